//! The audit trail (Law 25; vocabulary after PS3.15 §A.5 / IHE ATNA: query, retrieve): who did
//! what, on which clinic and node, with which keys, and how many results. Kept apart from logs.

use super::RepoError;
use super::queue::now_ms;
use domain::Scope;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

entity!(audit_event, "audit_events", "One audited action.", {
    at: i64, actor: String, clinic_id: Option<i64>, action: String, node_id: Option<i64>,
    detail: String, outcome: String, result_count: Option<i32>,
});

pub use audit_event::Model as AuditEvent;
use audit_event::{ActiveModel, Column, Entity};

/// One event to record; `detail` is JSON (keys sent, study, error).
pub struct Record<'a> {
    pub actor: &'a str,
    pub clinic_id: Option<i64>,
    pub action: &'a str,
    pub node_id: Option<i64>,
    pub detail: serde_json::Value,
    pub outcome: &'a str,
    pub result_count: Option<usize>,
}

pub async fn record(db: &impl ConnectionTrait, r: Record<'_>) -> Result<(), RepoError> {
    ActiveModel {
        at: Set(now_ms()),
        actor: Set(r.actor.chars().take(64).collect()),
        clinic_id: Set(r.clinic_id),
        action: Set(r.action.to_owned()),
        node_id: Set(r.node_id),
        detail: Set(r.detail.to_string()),
        outcome: Set(r.outcome.to_owned()),
        result_count: Set(r.result_count.map(|c| i32::try_from(c).unwrap_or(i32::MAX))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The latest events of the clinics in scope, optionally of one action.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    action: Option<&str>,
    limit: u64,
) -> Result<Vec<AuditEvent>, RepoError> {
    let mut cond = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        cond = cond.add(Column::ClinicId.is_in(ids));
    }
    if let Some(a) = action {
        cond = cond.add(Column::Action.eq(a));
    }
    Ok(Entity::find()
        .filter(cond)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
