//! The Query/Retrieve SCP over Passerelle's index (PS3.4 Annex C): C-FIND in the Patient Root
//! and Study Root models at every level (`find`), C-MOVE to a node of the called AE's clinic and
//! C-GET on the same association (`retrieve`), with sub-operation counts and C-CANCEL. Every
//! query is bounded by the clinic of the called AE title, whatever its keys.

mod answers;
mod find;
mod gets;
mod moves;
mod retrieve;

pub use find::find;
pub use retrieve::retrieve;

use super::dataset::text;
use crate::db::index_query::{Attr, attr_of};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use domain::query::scp::{self, IdentifierError};
use domain::query::{InfoModel, QueryLevel};
use domain::{ClinicId, Scope};

/// What a request's identifier asks.
#[derive(Debug)]
pub(super) struct Identifier {
    pub level: QueryLevel,
    /// Every top-level key and whether it has a value.
    pub keys: Vec<(u32, bool)>,
    /// The valued keys the index matches on (a lone `*` matches everything: not kept).
    pub matches: Vec<(Attr, String)>,
    /// Every valued key, as asked (for the audit trail).
    pub values: Vec<(u32, String)>,
}

impl Identifier {
    pub fn read(model: InfoModel, id: &InMemDicomObject) -> Result<Self, IdentifierError> {
        let level = scp::level(model, &text(id, tags::QUERY_RETRIEVE_LEVEL))?;
        let mut keys = Vec::new();
        let mut matches = Vec::new();
        let mut values = Vec::new();
        for el in id.iter() {
            let t = el.header().tag;
            let tag = (u32::from(t.0) << 16) | u32::from(t.1);
            if t.0 == 0x0008 && t.1 == 0x0005 {
                continue;
            }
            let value = el
                .to_str()
                .map(|v| v.trim_matches(['\0', ' ']).to_owned())
                .unwrap_or_default();
            keys.push((tag, !value.is_empty()));
            if value.is_empty() {
                continue;
            }
            if let Some(a) = attr_of(tag).filter(|_| value != "*") {
                matches.push((a, value.clone()));
            }
            values.push((tag, value));
        }
        Ok(Self {
            level,
            keys,
            matches,
            values,
        })
    }
}

/// The scope of an association: the clinic of its called AE title only.
pub(super) fn scope_of(clinic: ClinicId) -> Scope {
    Scope::Clinics([clinic].into_iter().collect())
}

/// The node a C-MOVE sends to: a remote node of `clinic` with that AE title (PS3.4 §C.4.2.1.5:
/// any other is "Move Destination unknown", the reason in the error).
pub(super) async fn destination(
    db: &sea_orm::DatabaseConnection,
    clinic: ClinicId,
    ae: &str,
) -> Result<super::scu::Peer, String> {
    let ae = ae.trim();
    if ae.is_empty() {
        return Err("the C-MOVE-RQ names no Move Destination".into());
    }
    let nodes = crate::db::network::nodes(db, &scope_of(clinic))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the remote nodes");
            "the network configuration is unavailable".to_owned()
        })?;
    nodes
        .into_iter()
        .find(|n| n.ae_title.as_str() == ae)
        .map(|n| crate::qr::search::peer(&n))
        .ok_or_else(|| format!("{ae} is not a node of this clinic"))
}

/// What the audit trail keeps of a request: model, level, valued keys (tag → value), and why
/// it was refused.
pub(super) fn detail(
    model: InfoModel,
    ident: Option<&Identifier>,
    why: Option<&str>,
) -> serde_json::Value {
    let mut d = serde_json::json!({ "model": model.as_str() });
    if let Some(i) = ident {
        d["level"] = i.level.code().into();
        let keys: serde_json::Map<String, serde_json::Value> = i
            .values
            .iter()
            .filter(|(t, _)| *t != 0x0008_0052)
            .map(|(t, v)| {
                (
                    format!("{t:08X}"),
                    v.chars().take(200).collect::<String>().into(),
                )
            })
            .collect();
        d["keys"] = keys.into();
    }
    if let Some(w) = why {
        d["error"] = w.into();
    }
    d
}

/// The audit outcome of a final status (PS3.4 §C.4.1.1.4, §C.4.2.1.5).
pub(super) fn outcome(status: u16) -> &'static str {
    match status {
        0x0000 => "ok",
        0xFE00 => "cancelled",
        0xB000 => "partial",
        0xA900 | 0xA801 => "refused",
        _ => "failed",
    }
}

/// Records a query or retrieve of the DIMSE door in the audit trail (Law 25: who read what,
/// from which AE title, in which clinic).
pub(super) async fn audit(
    db: &sea_orm::DatabaseConnection,
    s: &super::service::Session,
    action: &str,
    mut detail: serde_json::Value,
    outcome: &str,
    count: Option<usize>,
) {
    detail["called"] = s.called.as_str().into();
    let actor = format!("dicom:{}", s.calling);
    let r = crate::db::audit::Record {
        actor: &actor,
        clinic_id: Some(s.clinic.0),
        action,
        node_id: None,
        detail,
        outcome,
        result_count: count,
    };
    if let Err(e) = crate::db::audit::record(db, r).await {
        tracing::error!(error = %e, "could not record a DIMSE query or retrieve in the audit trail");
    }
}
