//! Network configuration repository: local AE titles and remote nodes, scoped by clinic.

use super::entities::{local_ae, remote_node, remote_node_clinic};
use super::{RepoError, conflict, now};
use domain::views::{LocalAeView, RemoteNodeView};
use domain::{AeTitle, CallerPolicy, ClinicId, Host, Jurisdiction, NodeRole, Port, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

fn invalid(e: impl std::fmt::Display) -> RepoError {
    RepoError::Invalid(e.to_string())
}

/// Joins AE titles with the DICOM multi-value delimiter.
fn join(aes: &[AeTitle]) -> String {
    aes.iter()
        .map(AeTitle::as_str)
        .collect::<Vec<_>>()
        .join("\\")
}

fn ae_view(m: local_ae::Model) -> Result<LocalAeView, RepoError> {
    let allowed = m
        .allowed_callers
        .split('\\')
        .filter(|s| !s.is_empty())
        .map(AeTitle::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    Ok(LocalAeView {
        id: m.id,
        clinic: ClinicId(m.clinic_id),
        ae_title: AeTitle::parse(&m.ae_title).map_err(invalid)?,
        enabled: m.enabled,
        caller_policy: m.caller_policy.parse().map_err(invalid)?,
        allowed_callers: allowed,
        port: m
            .port
            .and_then(|p| u32::try_from(p).ok())
            .map(Port::new)
            .transpose()
            .map_err(invalid)?,
    })
}

/// What is written for a local AE title.
#[derive(Debug, Clone)]
pub struct LocalAeWrite {
    pub clinic: ClinicId,
    pub ae_title: AeTitle,
    pub enabled: bool,
    pub caller_policy: CallerPolicy,
    pub allowed_callers: Vec<AeTitle>,
    pub port: Option<Port>,
}

/// Local AE titles of the clinics in scope.
pub async fn local_aes(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<LocalAeView>, RepoError> {
    let mut q = local_ae::Entity::find().order_by_asc(local_ae::Column::AeTitle);
    if let Some(ids) = scope.clinic_ids() {
        q = q.filter(local_ae::Column::ClinicId.is_in(ids));
    }
    q.all(db).await?.into_iter().map(ae_view).collect()
}

/// Creates (`id = None`) or updates a local AE title.
pub async fn save_local_ae(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    w: LocalAeWrite,
) -> Result<LocalAeView, RepoError> {
    let t = now();
    let mut am = match id {
        None => local_ae::ActiveModel {
            created_at: Set(t),
            ..Default::default()
        },
        Some(id) => local_ae::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(RepoError::NotFound)?
            .into(),
    };
    am.clinic_id = Set(w.clinic.0);
    am.ae_title = Set(w.ae_title.to_string());
    am.enabled = Set(w.enabled);
    am.caller_policy = Set(w.caller_policy.as_str().to_owned());
    am.allowed_callers = Set(join(&w.allowed_callers));
    am.port = Set(w.port.map(|p| i32::from(p.get())));
    am.updated_at = Set(t);
    let m = match id {
        None => am.insert(db).await,
        Some(_) => am.update(db).await,
    }
    .map_err(|e| match conflict(e, "AE title or port") {
        RepoError::Db(_) => RepoError::Invalid("unknown clinic".into()),
        other => other,
    })?;
    ae_view(m)
}

/// What is written for a remote node.
#[derive(Debug, Clone)]
pub struct NodeWrite {
    pub name: String,
    pub ae_title: AeTitle,
    pub host: Host,
    pub port: Port,
    pub tls: bool,
    pub role: NodeRole,
    pub jurisdiction: Jurisdiction,
    pub notes: String,
    pub clinics: Vec<ClinicId>,
}

fn node_view(m: remote_node::Model, clinics: Vec<ClinicId>) -> Result<RemoteNodeView, RepoError> {
    Ok(RemoteNodeView {
        id: m.id,
        name: m.name,
        ae_title: AeTitle::parse(&m.ae_title).map_err(invalid)?,
        host: Host::parse(&m.host).map_err(invalid)?,
        port: Port::new(u32::try_from(m.port).unwrap_or(0)).map_err(invalid)?,
        tls: m.tls,
        role: m.role.parse().map_err(invalid)?,
        jurisdiction: m.jurisdiction.parse().map_err(invalid)?,
        notes: m.notes,
        clinics,
    })
}

async fn node_clinics(db: &impl ConnectionTrait) -> Result<HashMap<i64, Vec<ClinicId>>, RepoError> {
    let rows = remote_node_clinic::Entity::find()
        .order_by_asc(remote_node_clinic::Column::ClinicId)
        .all(db)
        .await?;
    let mut map: HashMap<i64, Vec<ClinicId>> = HashMap::new();
    for r in rows {
        map.entry(r.node_id)
            .or_default()
            .push(ClinicId(r.clinic_id));
    }
    Ok(map)
}

/// Remote nodes serving at least one clinic in scope (all of them for `Scope::All`).
pub async fn nodes(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<RemoteNodeView>, RepoError> {
    let rows = remote_node::Entity::find()
        .order_by_asc(remote_node::Column::Name)
        .all(db)
        .await?;
    let mut clinics = node_clinics(db).await?;
    let mut out = Vec::new();
    for m in rows {
        let cs = clinics.remove(&m.id).unwrap_or_default();
        if scope.sees_any(&cs) {
            out.push(node_view(m, cs)?);
        }
    }
    Ok(out)
}

/// One node, if visible in scope.
pub async fn node(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<RemoteNodeView, RepoError> {
    let m = remote_node::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let clinics: Vec<ClinicId> = remote_node_clinic::Entity::find()
        .filter(remote_node_clinic::Column::NodeId.eq(id))
        .order_by_asc(remote_node_clinic::Column::ClinicId)
        .all(db)
        .await?
        .into_iter()
        .map(|r| ClinicId(r.clinic_id))
        .collect();
    if !scope.sees_any(&clinics) {
        return Err(RepoError::NotFound);
    }
    node_view(m, clinics)
}

/// Creates or updates a node and its clinics, in one transaction.
pub async fn save_node(
    db: &impl TransactionTrait,
    id: Option<i64>,
    w: NodeWrite,
) -> Result<RemoteNodeView, RepoError> {
    let txn = db.begin().await?;
    let t = now();
    let mut am = match id {
        None => remote_node::ActiveModel {
            created_at: Set(t),
            ..Default::default()
        },
        Some(id) => remote_node::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?
            .into(),
    };
    am.name = Set(w.name.clone());
    am.ae_title = Set(w.ae_title.to_string());
    am.host = Set(w.host.to_string());
    am.port = Set(i32::from(w.port.get()));
    am.tls = Set(w.tls);
    am.role = Set(w.role.as_str().to_owned());
    am.jurisdiction = Set(w.jurisdiction.as_str().to_owned());
    am.notes = Set(w.notes.clone());
    am.updated_at = Set(t);
    let m = match id {
        None => am.insert(&txn).await?,
        Some(_) => am.update(&txn).await?,
    };
    remote_node_clinic::Entity::delete_many()
        .filter(remote_node_clinic::Column::NodeId.eq(m.id))
        .exec(&txn)
        .await?;
    for c in &w.clinics {
        remote_node_clinic::ActiveModel {
            node_id: Set(m.id),
            clinic_id: Set(c.0),
        }
        .insert(&txn)
        .await
        .map_err(|_| RepoError::Invalid(format!("unknown clinic {}", c.0)))?;
    }
    txn.commit().await?;
    let mut clinics = w.clinics;
    clinics.sort();
    node_view(m, clinics)
}
