//! Destinations repository: create, edit, pause, PIA record, and the runtime view the workers
//! and the router use. Secrets are written, never read back to the UI.

use super::entities::remote_node;
use super::queue::now_ms;
use super::routing_entities::{destination, forward_job as job};
use super::{RepoError, conflict, now};
use crate::targets::{Peer, StowAuth, StowTarget};
use domain::Jurisdiction;
use domain::destination::{
    AuthKind, DestinationInput, DestinationName, DestinationView, Transport,
};
use domain::forward::{JobState, RetryPolicy};
use domain::routing::PiaRecord;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use std::collections::HashMap;
use std::time::Duration;

/// How workers reach a destination.
#[derive(Debug, Clone)]
pub enum Via {
    Dimse(Peer),
    Stow(StowTarget),
}

/// An active destination as the workers need it.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: i64,
    pub name: String,
    pub max_concurrency: u32,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub via: Via,
}

fn retry_of(d: &destination::Model) -> RetryPolicy {
    RetryPolicy {
        base_seconds: d.retry_base_seconds.max(1) as u32,
        max_seconds: d.retry_max_seconds.max(1) as u32,
        max_attempts: d.retry_max_attempts.max(1) as u32,
    }
}

fn pia_of(d: &destination::Model) -> Option<PiaRecord> {
    Some(PiaRecord {
        reference: d.pia_reference.clone()?,
        recorded_by: d.pia_recorded_by.clone().unwrap_or_default(),
        recorded_at: d.pia_recorded_at.unwrap_or_default(),
    })
}

fn target(d: destination::Model, n: &remote_node::Model) -> Target {
    let via = match Transport::parse(&d.kind) {
        Some(Transport::Stow) => Via::Stow(StowTarget {
            base_url: d.stow_url.clone(),
            auth: match AuthKind::parse(&d.auth_kind) {
                Some(AuthKind::Basic) => StowAuth::Basic {
                    user: d.auth_user.clone(),
                    password: d.auth_secret.clone(),
                },
                Some(AuthKind::Bearer) => StowAuth::Bearer(d.auth_secret.clone()),
                _ => StowAuth::None,
            },
        }),
        _ => Via::Dimse(Peer {
            ae_title: n.ae_title.clone(),
            host: n.host.clone(),
            port: n.port as u16,
            tls: n.tls,
        }),
    };
    Target {
        id: d.id,
        name: d.name.clone(),
        max_concurrency: d.max_concurrency.clamp(1, 16) as u32,
        timeout: Duration::from_secs(d.timeout_seconds.clamp(1, 600) as u64),
        retry: retry_of(&d),
        via,
    }
}

async fn nodes_by_id(
    db: &impl ConnectionTrait,
) -> Result<HashMap<i64, remote_node::Model>, RepoError> {
    Ok(remote_node::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect())
}

/// Enabled, not paused destinations.
pub async fn active_targets(db: &impl ConnectionTrait) -> Result<Vec<Target>, RepoError> {
    let rows = destination::Entity::find()
        .filter(destination::Column::Enabled.eq(true))
        .filter(destination::Column::Paused.eq(false))
        .all(db)
        .await?;
    let nodes = nodes_by_id(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|d| nodes.get(&d.node_id).map(|n| target(d, n)))
        .collect())
}

/// Every destination (paused or disabled ones too: they may still hold released instances),
/// by id.
pub async fn all_targets(db: &impl ConnectionTrait) -> Result<HashMap<i64, Target>, RepoError> {
    let rows = destination::Entity::find().all(db).await?;
    let nodes = nodes_by_id(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|d| nodes.get(&d.node_id).map(|n| (d.id, target(d, n))))
        .collect())
}

fn view(d: destination::Model, n: &remote_node::Model) -> Result<DestinationView, RepoError> {
    let invalid = |e: String| RepoError::Invalid(e);
    Ok(DestinationView {
        id: d.id,
        name: DestinationName::parse(&d.name).map_err(|e| invalid(e.to_string()))?,
        node_id: n.id,
        node_name: n.name.clone(),
        node_ae: n.ae_title.clone(),
        jurisdiction: n
            .jurisdiction
            .parse::<Jurisdiction>()
            .map_err(|e| invalid(e.to_string()))?,
        transport: Transport::parse(&d.kind).unwrap_or_default(),
        stow_url: d.stow_url.clone(),
        auth: AuthKind::parse(&d.auth_kind).unwrap_or_default(),
        auth_user: d.auth_user.clone(),
        has_secret: !d.auth_secret.is_empty(),
        enabled: d.enabled,
        paused: d.paused,
        max_concurrency: d.max_concurrency.max(1) as u32,
        retry: retry_of(&d),
        timeout_seconds: d.timeout_seconds.max(1) as u32,
        pia: pia_of(&d),
    })
}

/// Every destination, by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<DestinationView>, RepoError> {
    let rows = destination::Entity::find()
        .order_by_asc(destination::Column::Name)
        .all(db)
        .await?;
    let nodes = nodes_by_id(db).await?;
    rows.into_iter()
        .filter_map(|d| nodes.get(&d.node_id).map(|n| view(d, n)))
        .collect()
}

/// One destination.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<DestinationView, RepoError> {
    let d = destination::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let n = remote_node::Entity::find_by_id(d.node_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    view(d, &n)
}

/// Creates or updates a destination. A new secret replaces the stored one; `None` keeps it.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    w: &DestinationInput,
) -> Result<DestinationView, RepoError> {
    w.validate()
        .map_err(|e| RepoError::Invalid(e.to_string()))?;
    remote_node::Entity::find_by_id(w.node_id)
        .one(db)
        .await?
        .ok_or_else(|| RepoError::Invalid("unknown remote node".into()))?;
    let t = now();
    let mut am = match id {
        None => destination::ActiveModel {
            created_at: Set(t),
            paused: Set(false),
            ..Default::default()
        },
        Some(id) => destination::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(RepoError::NotFound)?
            .into(),
    };
    am.name = Set(w.name.to_string());
    am.node_id = Set(w.node_id);
    am.kind = Set(w.transport.as_str().to_owned());
    am.stow_url = Set(w.stow_url.trim().trim_end_matches('/').to_owned());
    am.auth_kind = Set(w.auth.as_str().to_owned());
    am.auth_user = Set(w.auth_user.trim().to_owned());
    if let Some(s) = &w.secret {
        am.auth_secret = Set(s.clone());
    } else if id.is_none() {
        am.auth_secret = Set(String::new());
    }
    am.enabled = Set(w.enabled);
    am.max_concurrency = Set(w.max_concurrency as i32);
    am.retry_base_seconds = Set(w.retry.base_seconds as i32);
    am.retry_max_seconds = Set(w.retry.max_seconds as i32);
    am.retry_max_attempts = Set(w.retry.max_attempts as i32);
    am.timeout_seconds = Set(w.timeout_seconds as i32);
    am.updated_at = Set(t);
    let saved = match id {
        None => am.insert(db).await,
        Some(_) => am.update(db).await,
    }
    .map_err(|e| conflict(e, "destination name"))?;
    get(db, saved.id).await
}

/// Pauses or resumes a destination (its queue keeps filling while paused).
pub async fn set_paused(db: &impl ConnectionTrait, id: i64, paused: bool) -> Result<(), RepoError> {
    let r = destination::Entity::update_many()
        .col_expr(destination::Column::Paused, Expr::value(paused))
        .col_expr(destination::Column::UpdatedAt, Expr::value(now()))
        .filter(destination::Column::Id.eq(id))
        .exec(db)
        .await?;
    if r.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}

/// Records the privacy-impact assessment of a destination and releases the jobs that were
/// held for lack of one. One transaction.
pub async fn record_pia(
    db: &impl TransactionTrait,
    id: i64,
    pia: &PiaRecord,
) -> Result<u64, RepoError> {
    if pia.reference.trim().is_empty() {
        return Err(RepoError::Invalid(
            "the assessment reference is empty".into(),
        ));
    }
    let txn = db.begin().await?;
    let r = destination::Entity::update_many()
        .col_expr(
            destination::Column::PiaReference,
            Expr::value(pia.reference.trim()),
        )
        .col_expr(
            destination::Column::PiaRecordedBy,
            Expr::value(pia.recorded_by.clone()),
        )
        .col_expr(
            destination::Column::PiaRecordedAt,
            Expr::value(pia.recorded_at),
        )
        .filter(destination::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if r.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    let released = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
        .col_expr(job::Column::DueAt, Expr::value(now_ms()))
        .filter(job::Column::DestinationId.eq(id))
        .filter(job::Column::State.eq(JobState::Held.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(released.rows_affected)
}
