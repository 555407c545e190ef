//! Routing rules repository: ordered rules per clinic and global ones, each change versioned
//! (who, when, before, after) in one transaction with the change itself.

use super::routing_entities::{routing_rule, rule_version};
use super::{RepoError, now};
use domain::ClinicId;
use domain::routing::{Facts, Rule, StudySample};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// A stored rule (shared with the UI).
pub use domain::transfers::RuleView as StoredRule;

/// One recorded change (shared with the UI).
pub use domain::transfers::RuleChange;

fn decode(m: routing_rule::Model) -> Result<StoredRule, RepoError> {
    let rule: Rule = serde_json::from_str(&m.definition)
        .map_err(|e| RepoError::Invalid(format!("stored rule {} unreadable: {e}", m.id)))?;
    Ok(StoredRule {
        id: m.id,
        clinic: m.clinic_id.map(ClinicId),
        position: m.position,
        rule,
        updated_at: m.updated_at,
    })
}

fn encode(rule: &Rule) -> Result<String, RepoError> {
    serde_json::to_string(rule).map_err(|e| RepoError::Invalid(e.to_string()))
}

/// Every rule: global ones first, then by clinic, each in order.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<StoredRule>, RepoError> {
    routing_rule::Entity::find()
        .order_by_asc(routing_rule::Column::ClinicId)
        .order_by_asc(routing_rule::Column::Position)
        .order_by_asc(routing_rule::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

/// The rules the router layers: per clinic, and the global list.
pub async fn load(
    db: &impl ConnectionTrait,
) -> Result<(HashMap<i64, Vec<Rule>>, Vec<Rule>), RepoError> {
    let mut by_clinic: HashMap<i64, Vec<Rule>> = HashMap::new();
    let mut global = Vec::new();
    for r in list(db).await? {
        match r.clinic {
            Some(c) => by_clinic.entry(c.0).or_default().push(r.rule),
            None => global.push(r.rule),
        }
    }
    Ok((by_clinic, global))
}

async fn record(
    txn: &impl ConnectionTrait,
    id: i64,
    name: &str,
    by: &str,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), RepoError> {
    rule_version::ActiveModel {
        rule_id: Set(id),
        rule_name: Set(name.chars().take(100).collect()),
        changed_by: Set(by.to_owned()),
        changed_at: Set(now()),
        before: Set(before),
        after: Set(after),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Creates (at the end of its list) or updates a rule; the change is versioned.
pub async fn save(
    db: &impl TransactionTrait,
    id: Option<i64>,
    clinic: Option<ClinicId>,
    rule: &Rule,
    by: &str,
) -> Result<StoredRule, RepoError> {
    let txn = db.begin().await?;
    let t = now();
    let after = encode(rule)?;
    let (mut am, before) = match id {
        None => {
            let last = routing_rule::Entity::find()
                .filter(match clinic {
                    Some(c) => routing_rule::Column::ClinicId.eq(c.0),
                    None => routing_rule::Column::ClinicId.is_null(),
                })
                .order_by_desc(routing_rule::Column::Position)
                .one(&txn)
                .await?;
            let am = routing_rule::ActiveModel {
                clinic_id: Set(clinic.map(|c| c.0)),
                position: Set(last.map_or(0, |r| r.position + 1)),
                created_at: Set(t),
                ..Default::default()
            };
            (am, None)
        }
        Some(id) => {
            let m = routing_rule::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(RepoError::NotFound)?;
            let before = m.definition.clone();
            (m.into(), Some(before))
        }
    };
    am.name = Set(rule.name.chars().take(100).collect());
    am.enabled = Set(rule.enabled);
    am.definition = Set(after.clone());
    am.updated_at = Set(t);
    let m = match id {
        None => am.insert(&txn).await?,
        Some(_) => am.update(&txn).await?,
    };
    record(&txn, m.id, &rule.name, by, before, Some(after)).await?;
    txn.commit().await?;
    decode(m)
}

/// Deletes a rule; the deletion is versioned.
pub async fn delete(db: &impl TransactionTrait, id: i64, by: &str) -> Result<(), RepoError> {
    let txn = db.begin().await?;
    let m = routing_rule::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    routing_rule::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, id, &m.name, by, Some(m.definition), None).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a rule one place up or down in its list by swapping positions; versioned.
pub async fn shift(
    db: &impl TransactionTrait,
    id: i64,
    by: &str,
    up: bool,
) -> Result<(), RepoError> {
    let txn = db.begin().await?;
    let m = routing_rule::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let same_list = match m.clinic_id {
        Some(c) => routing_rule::Column::ClinicId.eq(c),
        None => routing_rule::Column::ClinicId.is_null(),
    };
    let q = routing_rule::Entity::find().filter(same_list);
    let other = if up {
        q.filter(routing_rule::Column::Position.lt(m.position))
            .order_by_desc(routing_rule::Column::Position)
    } else {
        q.filter(routing_rule::Column::Position.gt(m.position))
            .order_by_asc(routing_rule::Column::Position)
    }
    .one(&txn)
    .await?;
    let Some(other) = other else {
        return Ok(());
    };
    for (rid, pos) in [(m.id, other.position), (other.id, m.position)] {
        routing_rule::Entity::update_many()
            .col_expr(routing_rule::Column::Position, Expr::value(pos))
            .filter(routing_rule::Column::Id.eq(rid))
            .exec(&txn)
            .await?;
    }
    let (before, after) = (
        format!("position {}", m.position),
        format!("position {}", other.position),
    );
    record(&txn, id, &m.name, by, Some(before), Some(after)).await?;
    txn.commit().await?;
    Ok(())
}

/// The changes of one rule (or of all when `rule_id` is `None`), newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    rule_id: Option<i64>,
    limit: u64,
) -> Result<Vec<RuleChange>, RepoError> {
    use sea_orm::QuerySelect;
    let mut q = rule_version::Entity::find()
        .order_by_desc(rule_version::Column::Id)
        .limit(limit);
    if let Some(id) = rule_id {
        q = q.filter(rule_version::Column::RuleId.eq(id));
    }
    Ok(q.all(db)
        .await?
        .into_iter()
        .map(|v| RuleChange {
            rule_id: v.rule_id,
            rule_name: v.rule_name,
            changed_by: v.changed_by,
            changed_at: v.changed_at,
            before: v.before,
            after: v.after,
        })
        .collect())
}

/// The last `limit` received studies (of `clinic`, or of all clinics), grouped by clinic, with
/// the routing facts of each series: what a rule preview runs on.
pub async fn samples(
    db: &impl ConnectionTrait,
    clinic: Option<ClinicId>,
    limit: u64,
) -> Result<Vec<(i64, Vec<StudySample>)>, RepoError> {
    use super::index_entities::{patient, series, study};
    use sea_orm::QuerySelect;
    let mut q = study::Entity::find()
        .order_by_desc(study::Column::ReceivedAt)
        .order_by_desc(study::Column::Id)
        .limit(limit);
    if let Some(c) = clinic {
        q = q.filter(study::Column::ClinicId.eq(c.0));
    }
    let studies = q.all(db).await?;
    let ids: Vec<i64> = studies.iter().map(|s| s.id).collect();
    let all_series = series::Entity::find()
        .filter(series::Column::StudyId.is_in(ids))
        .all(db)
        .await?;
    let patient_ids: Vec<i64> = studies.iter().map(|s| s.patient_id).collect();
    let patients: HashMap<i64, String> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(patient_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut out: Vec<(i64, Vec<StudySample>)> = Vec::new();
    for s in studies {
        let facts: Vec<Facts> = all_series
            .iter()
            .filter(|x| x.study_id == s.id)
            .filter_map(|x| serde_json::from_str(&x.route_facts).ok())
            .collect();
        let patient = patients.get(&s.patient_id).map_or("", String::as_str);
        let date = match s.study_date.len() {
            8 => format!(
                "{}-{}-{}",
                &s.study_date[..4],
                &s.study_date[4..6],
                &s.study_date[6..]
            ),
            _ => s.study_date.clone(),
        };
        let parts = [
            patient.replace('^', " "),
            date,
            s.modalities.replace('\\', ", "),
            s.description.clone(),
        ];
        let sample = StudySample {
            study_uid: s.study_uid.clone(),
            label: parts
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim())
                .collect::<Vec<_>>()
                .join(" · "),
            facts,
        };
        match out.iter_mut().find(|(c, _)| *c == s.clinic_id) {
            Some((_, v)) => v.push(sample),
            None => out.push((s.clinic_id, vec![sample])),
        }
    }
    Ok(out)
}
