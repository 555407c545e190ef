//! Applies a plan inside the import's single transaction. Deletions come first, then writes in
//! an order that keeps unique indexes and foreign keys satisfied (local AE ports that move are
//! freed before any is taken; nodes are removed after destinations moved off them). Matched
//! rows are updated in place, so their ids (and the forward jobs attached) stay. Rule changes
//! are versioned in `rule_versions`, attributed to "config import".

use super::current::Current;
use super::desired::{Desired, DestSpec, NodeSpec, RuleSpec};
use super::diff::{Ops, SectionOps};
use super::{CHANGED_BY, NetConfigError};
use crate::db::entities::{local_ae, remote_node, remote_node_clinic};
use crate::db::now;
use crate::db::queue::now_ms;
use crate::db::routing_entities::{destination, forward_job, routing_rule, rule_version};
use domain::JobState;
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Writes `ops` (computed from `desired` and `cur`) with `db`, the import's transaction.
pub(crate) async fn run(
    db: &impl ConnectionTrait,
    ops: &Ops,
    desired: &Desired,
    cur: &Current,
) -> Result<(), NetConfigError> {
    let t = now();
    delete_rules(db, &ops.rules.deletes, cur).await?;
    if !ops.local_aes.deletes.is_empty() {
        local_ae::Entity::delete_many()
            .filter(local_ae::Column::Id.is_in(ops.local_aes.deletes.clone()))
            .exec(db)
            .await?;
    }
    if !ops.destinations.deletes.is_empty() {
        destination::Entity::delete_many()
            .filter(destination::Column::Id.is_in(ops.destinations.deletes.clone()))
            .exec(db)
            .await?;
    }
    save_local_aes(db, &ops.local_aes, desired, cur, t).await?;
    let node_ids = save_nodes(db, &ops.nodes, &desired.nodes, cur, t).await?;
    for (id, i) in &ops.destinations.upserts {
        save_destination(db, *id, &desired.destinations[*i], cur, &node_ids, t).await?;
    }
    delete_nodes(db, &ops.nodes.deletes).await?;
    for (id, i) in &ops.rules.upserts {
        save_rule(db, *id, &desired.rules[*i], cur, t).await?;
    }
    for (id, position) in &ops.positions {
        routing_rule::Entity::update_many()
            .col_expr(routing_rule::Column::Position, Expr::value(*position))
            .filter(routing_rule::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    super::facilities::apply(db, &ops.facilities, &desired.facilities).await
}

async fn version(
    db: &impl ConnectionTrait,
    (rule_id, name): (i64, &str),
    before: Option<String>,
    after: Option<String>,
) -> Result<(), NetConfigError> {
    rule_version::ActiveModel {
        rule_id: Set(rule_id),
        rule_name: Set(name.chars().take(100).collect()),
        changed_by: Set(CHANGED_BY.to_owned()),
        changed_at: Set(now()),
        before: Set(before),
        after: Set(after),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn delete_rules(
    db: &impl ConnectionTrait,
    ids: &[i64],
    cur: &Current,
) -> Result<(), NetConfigError> {
    for r in cur.rules.iter().filter(|r| ids.contains(&r.model.id)) {
        routing_rule::Entity::delete_by_id(r.model.id)
            .exec(db)
            .await?;
        let before = Some(r.model.definition.clone());
        version(db, (r.model.id, &r.rule.name), before, None).await?;
    }
    Ok(())
}

async fn save_local_aes(
    db: &impl ConnectionTrait,
    ops: &SectionOps,
    desired: &Desired,
    cur: &Current,
    t: i64,
) -> Result<(), NetConfigError> {
    // Free the dedicated ports that move first: two AE titles may swap theirs.
    for (id, i) in &ops.upserts {
        let stored = cur.local_aes.iter().find(|a| Some(a.id) == *id);
        if let Some(a) = stored.filter(|a| a.port.is_some() && a.port != desired.local_aes[*i].port)
        {
            local_ae::Entity::update_many()
                .col_expr(local_ae::Column::Port, Expr::value(Option::<i32>::None))
                .filter(local_ae::Column::Id.eq(a.id))
                .exec(db)
                .await?;
        }
    }
    for (id, i) in &ops.upserts {
        let s = &desired.local_aes[*i];
        let mut am = local_ae::ActiveModel {
            clinic_id: Set(s.clinic_id),
            ae_title: Set(s.ae_title.clone()),
            enabled: Set(s.enabled),
            caller_policy: Set(s.caller_policy.clone()),
            allowed_callers: Set(s.allowed_callers.clone()),
            port: Set(s.port),
            updated_at: Set(t),
            ..Default::default()
        };
        match id {
            Some(id) => {
                am.id = Unchanged(*id);
                am.update(db).await?;
            }
            None => {
                am.created_at = Set(t);
                am.insert(db).await?;
            }
        }
    }
    Ok(())
}

/// Writes the nodes to create or change; returns the id of every node of the file by name.
async fn save_nodes(
    db: &impl ConnectionTrait,
    ops: &SectionOps,
    desired: &[NodeSpec],
    cur: &Current,
    t: i64,
) -> Result<HashMap<String, i64>, NetConfigError> {
    let mut ids: HashMap<String, i64> = HashMap::new();
    for n in &cur.nodes {
        ids.entry(n.name.clone()).or_insert(n.id);
    }
    for (id, i) in &ops.upserts {
        let s = &desired[*i];
        let saved = save_node(db, *id, s, t).await?;
        remote_node_clinic::Entity::delete_many()
            .filter(remote_node_clinic::Column::NodeId.eq(saved))
            .exec(db)
            .await?;
        for clinic in &s.clinics {
            remote_node_clinic::ActiveModel {
                node_id: Set(saved),
                clinic_id: Set(*clinic),
            }
            .insert(db)
            .await?;
        }
        ids.insert(s.name.clone(), saved);
    }
    Ok(ids)
}

async fn save_node(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    s: &NodeSpec,
    t: i64,
) -> Result<i64, NetConfigError> {
    let mut am = remote_node::ActiveModel {
        name: Set(s.name.clone()),
        ae_title: Set(s.ae_title.clone()),
        host: Set(s.host.clone()),
        port: Set(s.port),
        tls: Set(s.tls),
        role: Set(s.role.clone()),
        jurisdiction: Set(s.jurisdiction.clone()),
        notes: Set(s.notes.clone()),
        updated_at: Set(t),
        ..Default::default()
    };
    Ok(match id {
        Some(id) => {
            am.id = Unchanged(id);
            am.update(db).await?.id
        }
        None => {
            am.created_at = Set(t);
            am.insert(db).await?.id
        }
    })
}

async fn delete_nodes(db: &impl ConnectionTrait, ids: &[i64]) -> Result<(), NetConfigError> {
    if ids.is_empty() {
        return Ok(());
    }
    remote_node_clinic::Entity::delete_many()
        .filter(remote_node_clinic::Column::NodeId.is_in(ids.to_vec()))
        .exec(db)
        .await?;
    remote_node::Entity::delete_many()
        .filter(remote_node::Column::Id.is_in(ids.to_vec()))
        .exec(db)
        .await?;
    Ok(())
}

async fn save_destination(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    s: &DestSpec,
    cur: &Current,
    node_ids: &HashMap<String, i64>,
    t: i64,
) -> Result<(), NetConfigError> {
    let node_id = node_ids
        .get(&s.node)
        .copied()
        .ok_or_else(|| NetConfigError::Stored(format!("node {:?} vanished", s.node)))?;
    let mut am = destination::ActiveModel {
        name: Set(s.name.clone()),
        node_id: Set(node_id),
        kind: Set(s.kind.clone()),
        stow_url: Set(s.stow_url.clone()),
        auth_kind: Set(s.auth_kind.clone()),
        auth_user: Set(s.auth_user.clone()),
        auth_secret: Set(s.secret.clone()),
        enabled: Set(s.enabled),
        paused: Set(s.paused),
        max_concurrency: Set(s.max_concurrency),
        retry_base_seconds: Set(s.retry_base_seconds),
        retry_max_seconds: Set(s.retry_max_seconds),
        retry_max_attempts: Set(s.retry_max_attempts),
        timeout_seconds: Set(s.timeout_seconds),
        updated_at: Set(t),
        ..Default::default()
    };
    if let Some(pia) = &s.pia {
        am.pia_reference = Set(Some(pia.reference.clone()));
        am.pia_recorded_by = Set(Some(pia.recorded_by.clone()));
        am.pia_recorded_at = Set(Some(pia.recorded_at));
    }
    let Some(id) = id else {
        am.created_at = Set(t);
        am.insert(db).await?;
        return Ok(());
    };
    am.id = Unchanged(id);
    am.update(db).await?;
    let had_pia = cur
        .destinations
        .iter()
        .any(|d| d.id == id && d.pia_reference.is_some());
    if s.pia.is_some() && !had_pia {
        release_held(db, id).await?;
    }
    Ok(())
}

/// Jobs held for lack of an assessment go back to the queue once one is recorded.
async fn release_held(db: &impl ConnectionTrait, id: i64) -> Result<(), NetConfigError> {
    forward_job::Entity::update_many()
        .col_expr(
            forward_job::Column::State,
            Expr::value(JobState::Queued.as_str()),
        )
        .col_expr(forward_job::Column::DueAt, Expr::value(now_ms()))
        .filter(forward_job::Column::DestinationId.eq(id))
        .filter(forward_job::Column::State.eq(JobState::Held.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

async fn save_rule(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    s: &RuleSpec,
    cur: &Current,
    t: i64,
) -> Result<(), NetConfigError> {
    let after =
        serde_json::to_string(&s.rule).map_err(|e| NetConfigError::Stored(e.to_string()))?;
    let mut am = routing_rule::ActiveModel {
        clinic_id: Set(s.clinic_id),
        position: Set(s.position),
        name: Set(s.rule.name.chars().take(100).collect()),
        enabled: Set(s.rule.enabled),
        definition: Set(after.clone()),
        updated_at: Set(t),
        ..Default::default()
    };
    let stored = cur.rules.iter().find(|r| Some(r.model.id) == id);
    let (rule_id, before, after) = match (id, stored) {
        (Some(id), Some(old)) => {
            am.id = Unchanged(id);
            am.update(db).await?;
            if old.rule == s.rule {
                let before = format!("position {}", old.model.position);
                (id, Some(before), format!("position {}", s.position))
            } else {
                (id, Some(old.model.definition.clone()), after)
            }
        }
        _ => {
            am.created_at = Set(t);
            (am.insert(db).await?.id, None, after)
        }
    };
    version(db, (rule_id, &s.rule.name), before, Some(after)).await
}
