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
}

impl Identifier {
    pub fn read(model: InfoModel, id: &InMemDicomObject) -> Result<Self, IdentifierError> {
        let level = scp::level(model, &text(id, tags::QUERY_RETRIEVE_LEVEL))?;
        let mut keys = Vec::new();
        let mut matches = Vec::new();
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
            if let Some(a) = attr_of(tag).filter(|_| !value.is_empty() && value != "*") {
                matches.push((a, value));
            }
        }
        Ok(Self {
            level,
            keys,
            matches,
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
        .map(|n| super::scu::Peer {
            ae_title: n.ae_title.as_str().to_owned(),
            host: n.host.as_str().to_owned(),
            port: n.port.get(),
            tls: n.tls,
        })
        .ok_or_else(|| format!("{ae} is not a node of this clinic"))
}
