//! Study completeness in the database: the clinics' rules (`completion_rules`), the studies to
//! assess, what is known of each (its series and instances, the performed steps of its orders or
//! of its Study Instance UID, the expected series of its procedures) and its verdict, kept on
//! the study (`completed_at`, `completion` as the JSON of `domain::completeness::Completeness`).

use super::RepoError;
use super::index_entities::{instance, series, study};
use super::performed_steps::{instance as listed, step, step_order};
use super::registry_entities::{order, order_study, procedure};
use domain::ClinicId;
use domain::completeness::{Completeness, DEFAULT_STABLE_SECONDS, StepFacts};
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

entity!(completion_rule, "completion_rules", "How a clinic decides that a study of a modality is complete.", {
    clinic_id: i64, modality: String, stable_seconds: i64, require_expected_series: bool,
});

/// The rule that applies to a study: the longest stable time of the rules of its clinic for
/// its modalities (or for every modality), and whether any asks for the expected series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub stable_seconds: u32,
    pub require_expected_series: bool,
}

/// Every clinic's rules, read once per sweep.
pub async fn rules(db: &impl ConnectionTrait) -> Result<Vec<completion_rule::Model>, RepoError> {
    Ok(completion_rule::Entity::find().all(db).await?)
}

pub fn applied(rules: &[completion_rule::Model], clinic: ClinicId, modalities: &str) -> Applied {
    let mods: Vec<&str> = modalities.split('\\').map(str::trim).collect();
    let own: Vec<_> = rules.iter().filter(|r| r.clinic_id == clinic.0).collect();
    let specific: Vec<_> = own
        .iter()
        .copied()
        .filter(|r| mods.contains(&r.modality.as_str()))
        .collect();
    let chosen: Vec<_> = if specific.is_empty() {
        own.into_iter().filter(|r| r.modality.is_empty()).collect()
    } else {
        specific
    };
    Applied {
        stable_seconds: chosen
            .iter()
            .map(|r| u32::try_from(r.stable_seconds).unwrap_or(u32::MAX))
            .max()
            .unwrap_or(DEFAULT_STABLE_SECONDS),
        require_expected_series: chosen.iter().any(|r| r.require_expected_series),
    }
}

/// The shortest stable time of any rule (the default when none is shorter).
pub fn shortest_stable(rules: &[completion_rule::Model]) -> u32 {
    rules
        .iter()
        .map(|r| u32::try_from(r.stable_seconds).unwrap_or(0))
        .min()
        .unwrap_or(DEFAULT_STABLE_SECONDS)
        .min(DEFAULT_STABLE_SECONDS)
}

/// How far back a completed performed step still makes its study a candidate (seconds).
const STEP_WINDOW: i64 = 7 * 24 * 3600;

/// Studies not yet complete whose last instance arrived at or before `quiet_since` (seconds),
/// or with a performed step completed in the last week (by their orders or their Study
/// Instance UID); the least recently assessed first.
pub async fn candidates(
    db: &impl ConnectionTrait,
    quiet_since: i64,
    now: i64,
    limit: u64,
) -> Result<Vec<study::Model>, RepoError> {
    let since = now - STEP_WINDOW;
    let stepped = Expr::cust(format!(
        "studies.id IN (SELECT os.study_id FROM order_studies os \
         JOIN performed_step_orders pso ON pso.order_id = os.order_id \
         JOIN performed_steps ps ON ps.id = pso.step_id \
         WHERE ps.status = 'completed' AND ps.updated_at >= {since}) \
         OR studies.study_uid IN (SELECT ps.study_uid FROM performed_steps ps \
         WHERE ps.status = 'completed' AND ps.updated_at >= {since} \
         AND ps.clinic_id = studies.clinic_id)"
    ));
    Ok(study::Entity::find()
        .filter(study::Column::CompletedAt.is_null())
        .filter(
            Condition::any()
                .add(study::Column::UpdatedAt.lte(quiet_since))
                .add(stepped),
        )
        .order_by(Expr::cust("COALESCE(studies.assessed_at, 0)"), Order::Asc)
        .order_by_asc(study::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// What is known of a study.
#[derive(Debug, Default)]
pub struct Known {
    pub series: u32,
    pub received: std::collections::HashSet<String>,
    pub steps: Vec<StepFacts>,
    /// The largest expected series count of its orders' procedures.
    pub expected_series: Option<u32>,
}

pub async fn known(db: &impl ConnectionTrait, s: &study::Model) -> Result<Known, RepoError> {
    let series_ids: Vec<i64> = series::Entity::find()
        .select_only()
        .column(series::Column::Id)
        .filter(series::Column::StudyId.eq(s.id))
        .into_tuple()
        .all(db)
        .await?;
    let received = instance::Entity::find()
        .select_only()
        .column(instance::Column::SopInstanceUid)
        .filter(instance::Column::SeriesId.is_in(series_ids.clone()))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let orders: Vec<i64> = order_study::Entity::find()
        .select_only()
        .column(order_study::Column::OrderId)
        .filter(order_study::Column::StudyId.eq(s.id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(Known {
        series: series_ids.len() as u32,
        received,
        steps: steps(db, s, &orders).await?,
        expected_series: expected(db, &orders).await?,
    })
}

/// The performed steps of the study's orders, and those naming its Study Instance UID.
async fn steps(
    db: &impl ConnectionTrait,
    s: &study::Model,
    orders: &[i64],
) -> Result<Vec<StepFacts>, RepoError> {
    let via_orders = step_order::Entity::find()
        .select_only()
        .column(step_order::Column::StepId)
        .filter(step_order::Column::OrderId.is_in(orders.to_vec()))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    let rows = step::Entity::find()
        .filter(
            Condition::any()
                .add(step::Column::Id.is_in(via_orders))
                .add(
                    Condition::all()
                        .add(step::Column::ClinicId.eq(s.clinic_id))
                        .add(step::Column::StudyUid.eq(s.study_uid.as_str())),
                ),
        )
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let uids = listed::Entity::find()
            .select_only()
            .column(listed::Column::SopUid)
            .filter(listed::Column::StepId.eq(r.id))
            .filter(listed::Column::SopUid.ne(""))
            .into_tuple::<String>()
            .all(db)
            .await?;
        out.push(StepFacts {
            completed: r.status == "completed",
            discontinued: r.status == "discontinued",
            listed: uids,
        });
    }
    Ok(out)
}

async fn expected(db: &impl ConnectionTrait, orders: &[i64]) -> Result<Option<u32>, RepoError> {
    if orders.is_empty() {
        return Ok(None);
    }
    let procedures: Vec<i64> = order::Entity::find()
        .select_only()
        .column(order::Column::ProcedureId)
        .filter(order::Column::Id.is_in(orders.to_vec()))
        .into_tuple()
        .all(db)
        .await?;
    let counts: Vec<i64> = procedure::Entity::find()
        .select_only()
        .column(procedure::Column::ExpectedSeries)
        .filter(procedure::Column::Id.is_in(procedures))
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .max()
        .map(|c| u32::try_from(c).unwrap_or(0)))
}

/// Keeps the study's latest verdict; a complete one also sets `completed_at` (seconds; once: a study
/// already complete is left as it is). Returns whether the study became complete now.
pub async fn keep(
    db: &impl ConnectionTrait,
    study_id: i64,
    verdict: &Completeness,
    at: i64,
) -> Result<bool, RepoError> {
    let json = serde_json::to_string(verdict).unwrap_or_default();
    let mut q = study::Entity::update_many()
        .col_expr(study::Column::Completion, Expr::value(json))
        .col_expr(study::Column::AssessedAt, Expr::value(at))
        .filter(study::Column::Id.eq(study_id))
        .filter(study::Column::CompletedAt.is_null());
    if verdict.is_complete() {
        q = q.col_expr(study::Column::CompletedAt, Expr::value(at));
    }
    Ok(q.exec(db).await?.rows_affected == 1 && verdict.is_complete())
}
