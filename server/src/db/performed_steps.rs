//! Performed procedure steps (MPPS, PS3.4 Annex F) as stored: the step, the orders it performs
//! and the instances its Performed Series Sequence lists (replaced whole by each N-SET that
//! carries the sequence, as N-SET replaces an attribute's value, PS3.7 §10.1.1).

use super::{RepoError, conflict, now};
use domain::mpps::{PerformedSeries, PpsAttrs, PpsStatus};
use domain::orders::{PerformedStepView, UnmatchedStep};
use domain::{ClinicId, Scope};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

entity!(step, "performed_steps", "A performed procedure step.", {
    clinic_id: i64, sop_instance_uid: String, status: String, pps_id: String, station_ae: String,
    calling_ae: String, modality: String, description: String, study_uid: String,
    accession: String, patient_id: String, patient_name: String, start_date: String,
    start_time: String, end_date: String, end_time: String, discontinue_reason: String,
    created_at: i64, updated_at: i64,
});

entity!(step_order, "performed_step_orders", "An order a step performs.", {
    step_id: i64, order_id: i64,
});

entity!(instance, "performed_instances", "A series or instance a step lists.", {
    step_id: i64, series_uid: String, series_description: String, sop_class: String,
    sop_uid: String,
});

pub use step::Model as StepRow;

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Stores a new step (IN PROGRESS); `Conflict` if its SOP Instance UID exists.
pub async fn insert(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    sop_uid: &str,
    calling_ae: &str,
    a: &PpsAttrs,
) -> Result<i64, RepoError> {
    let first = a.scheduled.iter().flatten().next();
    let t = now();
    let row = step::ActiveModel {
        clinic_id: Set(clinic.0),
        sop_instance_uid: Set(cut(sop_uid, 64)),
        status: Set(PpsStatus::InProgress.as_str().into()),
        pps_id: Set(cut(a.pps_id.text(), 16)),
        station_ae: Set(cut(a.station_ae.text(), 16)),
        calling_ae: Set(cut(calling_ae, 16)),
        modality: Set(cut(a.modality.text(), 16)),
        description: Set(cut(&a.description, 64)),
        study_uid: Set(cut(first.map(|s| s.study_uid.text()).unwrap_or(""), 64)),
        accession: Set(cut(first.map(|s| s.accession.as_str()).unwrap_or(""), 16)),
        patient_id: Set(cut(&a.patient_id, 64)),
        patient_name: Set(cut(&a.patient_name, 324)),
        start_date: Set(cut(a.start_date.text(), 8)),
        start_time: Set(cut(a.start_time.text(), 16)),
        end_date: Set(cut(a.end_date.text(), 8)),
        end_time: Set(cut(a.end_time.text(), 16)),
        discontinue_reason: Set(String::new()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| conflict(e, "performed procedure step"))?;
    Ok(row.id)
}

/// The step of a SOP Instance UID.
pub async fn find(db: &impl ConnectionTrait, sop_uid: &str) -> Result<Option<StepRow>, RepoError> {
    Ok(step::Entity::find()
        .filter(step::Column::SopInstanceUid.eq(sop_uid))
        .one(db)
        .await?)
}

/// Applies an N-SET's values (those it carries) and the status it leaves.
pub async fn update(
    db: &impl ConnectionTrait,
    row: &StepRow,
    to: PpsStatus,
    a: &PpsAttrs,
) -> Result<(), RepoError> {
    let keep = |new: &str, old: &str, n: usize| {
        if new.is_empty() {
            old.to_owned()
        } else {
            cut(new, n)
        }
    };
    step::Entity::update_many()
        .col_expr(step::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            step::Column::EndDate,
            Expr::value(keep(a.end_date.text(), &row.end_date, 8)),
        )
        .col_expr(
            step::Column::EndTime,
            Expr::value(keep(a.end_time.text(), &row.end_time, 16)),
        )
        .col_expr(
            step::Column::Description,
            Expr::value(keep(&a.description, &row.description, 64)),
        )
        .col_expr(
            step::Column::DiscontinueReason,
            Expr::value(keep(&a.discontinue_reason, &row.discontinue_reason, 64)),
        )
        .col_expr(step::Column::UpdatedAt, Expr::value(now()))
        .filter(step::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the series and instances a step lists (a series without instances kept as a row
/// with empty SOP UIDs).
pub async fn replace_series(
    db: &impl ConnectionTrait,
    step_id: i64,
    series: &[PerformedSeries],
) -> Result<(), RepoError> {
    instance::Entity::delete_many()
        .filter(instance::Column::StepId.eq(step_id))
        .exec(db)
        .await?;
    let mut rows = Vec::new();
    for s in series {
        let base = |class: &str, uid: &str| instance::ActiveModel {
            step_id: Set(step_id),
            series_uid: Set(cut(s.series_uid.text(), 64)),
            series_description: Set(cut(&s.description, 64)),
            sop_class: Set(cut(class, 64)),
            sop_uid: Set(cut(uid, 64)),
            ..Default::default()
        };
        if s.instances.is_empty() {
            rows.push(base("", ""));
        }
        rows.extend(s.instances.iter().map(|(c, u)| base(c, u)));
    }
    for chunk in rows.chunks(200) {
        instance::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Whether a step lists any series.
pub async fn has_series(db: &impl ConnectionTrait, step_id: i64) -> Result<bool, RepoError> {
    Ok(instance::Entity::find()
        .filter(instance::Column::StepId.eq(step_id))
        .one(db)
        .await?
        .is_some())
}

/// Records the orders a step performs.
pub async fn link_orders(
    db: &impl ConnectionTrait,
    step_id: i64,
    orders: &[i64],
) -> Result<(), RepoError> {
    let rows = orders.iter().map(|o| step_order::ActiveModel {
        step_id: Set(step_id),
        order_id: Set(*o),
        ..Default::default()
    });
    if !orders.is_empty() {
        step_order::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// The orders a step performs.
pub async fn orders_of(db: &impl ConnectionTrait, step_id: i64) -> Result<Vec<i64>, RepoError> {
    Ok(step_order::Entity::find()
        .filter(step_order::Column::StepId.eq(step_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.order_id)
        .collect())
}

/// The steps performing an order, oldest first.
pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<StepRow>, RepoError> {
    let ids: Vec<i64> = step_order::Entity::find()
        .filter(step_order::Column::OrderId.eq(order_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.step_id)
        .collect();
    Ok(step::Entity::find()
        .filter(step::Column::Id.is_in(ids))
        .order_by_asc(step::Column::Id)
        .all(db)
        .await?)
}

/// `YYYY-MM-DD HH:MM` of a DA and a TM (as sent; empty if either is).
fn when(date: &str, time: &str) -> String {
    match (date.get(0..4), date.get(4..6), date.get(6..8)) {
        (Some(y), Some(m), Some(d)) => {
            let hm = match (time.get(0..2), time.get(2..4)) {
                (Some(h), Some(mi)) => format!(" {h}:{mi}"),
                (Some(h), None) => format!(" {h}:00"),
                _ => String::new(),
            };
            format!("{y}-{m}-{d}{hm}")
        }
        _ => String::new(),
    }
}

/// The steps of an order as the order page shows them, with their series and instance counts.
pub async fn views_of_order(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Vec<PerformedStepView>, RepoError> {
    let steps = of_order(db, order_id).await?;
    Ok(views(db, steps)
        .await?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// The steps of the clinics in scope that perform no order, newest first (at most 200).
pub async fn unlinked(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<UnmatchedStep>, RepoError> {
    let linked = sea_orm::sea_query::Query::select()
        .column(step_order::Column::StepId)
        .from(step_order::Entity)
        .to_owned();
    let mut q = step::Entity::find().filter(step::Column::Id.not_in_subquery(linked));
    if let Scope::Clinics(ids) = scope {
        q = q.filter(step::Column::ClinicId.is_in(ids.iter().map(|c| c.0)));
    }
    let rows = q.order_by_desc(step::Column::Id).limit(200).all(db).await?;
    Ok(views(db, rows)
        .await?
        .into_iter()
        .map(|(s, step)| UnmatchedStep {
            clinic: ClinicId(s.clinic_id),
            calling_ae: s.calling_ae,
            study_uid: s.study_uid,
            accession: s.accession,
            patient_id: s.patient_id,
            patient_name: s.patient_name,
            step,
        })
        .collect())
}

/// Each step with its view (series and instance counts from what it lists).
async fn views(
    db: &impl ConnectionTrait,
    steps: Vec<StepRow>,
) -> Result<Vec<(StepRow, PerformedStepView)>, RepoError> {
    let listed = instance::Entity::find()
        .filter(instance::Column::StepId.is_in(steps.iter().map(|s| s.id)))
        .all(db)
        .await?;
    let mut counts: HashMap<i64, (HashSet<String>, u32)> = HashMap::new();
    for i in listed {
        let c = counts.entry(i.step_id).or_default();
        c.0.insert(i.series_uid);
        c.1 += u32::from(!i.sop_uid.is_empty());
    }
    Ok(steps
        .into_iter()
        .map(|s| {
            let (series, instances) = counts
                .get(&s.id)
                .map(|(set, n)| (u32::try_from(set.len()).unwrap_or(u32::MAX), *n))
                .unwrap_or((0, 0));
            let v = PerformedStepView {
                started: when(&s.start_date, &s.start_time),
                ended: when(&s.end_date, &s.end_time),
                sop_instance_uid: s.sop_instance_uid.clone(),
                status: s.status.clone(),
                pps_id: s.pps_id.clone(),
                station_ae: s.station_ae.clone(),
                modality: s.modality.clone(),
                description: s.description.clone(),
                discontinue_reason: s.discontinue_reason.clone(),
                series,
                instances,
            };
            (s, v)
        })
        .collect())
}
