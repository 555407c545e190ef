//! The orders a Modality Worklist query may match (PS3.4 Annex K): scheduled or started orders
//! of one clinic, narrowed in SQL by the schedule window and the exact keys, with their
//! patient, procedure and referring physician. The DICOM matching is `domain::worklist`.

use super::registry_entities::{order, physician, procedure};
use super::{RepoError, patients};
use domain::ClinicId;
use domain::orders::OrderStatus;
use domain::registry::{PatientView, PersonName};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// What SQL can narrow before the DICOM matching.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    /// Scheduled at or after (Unix seconds).
    pub from: Option<i64>,
    /// Scheduled before (Unix seconds).
    pub until: Option<i64>,
    pub station_ae: Option<String>,
    pub modality: Option<String>,
    pub accession: Option<String>,
    /// At most this many orders are read per page.
    pub limit: u64,
}

/// Where the previous page ended: (scheduled_at, id) of its last order.
pub type After = Option<(i64, i64)>;

/// One order with what its worklist answer carries.
#[derive(Debug, Clone)]
pub struct Entry {
    pub order: order::Model,
    pub patient: PatientView,
    pub procedure: procedure::Model,
    pub physician: Option<PersonName>,
}

/// A page of the orders on the worklist of `clinic`, earliest first, after `after`; with where
/// the next page starts (`None` when this one was the last).
pub async fn candidates(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    f: &Prefilter,
    after: After,
) -> Result<(Vec<Entry>, After), RepoError> {
    let statuses = [OrderStatus::Scheduled, OrderStatus::InProgress].map(|s| s.as_str());
    let mut q = order::Entity::find()
        .filter(order::Column::ClinicId.eq(clinic.0))
        .filter(order::Column::Status.is_in(statuses));
    if let Some(t) = f.from {
        q = q.filter(order::Column::ScheduledAt.gte(t));
    }
    if let Some(t) = f.until {
        q = q.filter(order::Column::ScheduledAt.lt(t));
    }
    for (col, v) in [
        (order::Column::StationAe, &f.station_ae),
        (order::Column::Modality, &f.modality),
        (order::Column::Accession, &f.accession),
    ] {
        if let Some(v) = v {
            q = q.filter(col.eq(v.as_str()));
        }
    }
    if let Some((t, id)) = after {
        q = q.filter(
            Condition::any().add(order::Column::ScheduledAt.gt(t)).add(
                Condition::all()
                    .add(order::Column::ScheduledAt.eq(t))
                    .add(order::Column::Id.gt(id)),
            ),
        );
    }
    let orders = q
        .order_by_asc(order::Column::ScheduledAt)
        .order_by_asc(order::Column::Id)
        .limit(f.limit)
        .all(db)
        .await?;
    let next = if orders.len() as u64 == f.limit {
        orders.last().map(|o| (o.scheduled_at, o.id))
    } else {
        None
    };
    Ok((attach(db, orders).await?, next))
}

/// The patient, procedure and physician of each order (three statements for the whole page).
async fn attach(
    db: &impl ConnectionTrait,
    orders: Vec<order::Model>,
) -> Result<Vec<Entry>, RepoError> {
    let ids = |f: fn(&order::Model) -> Option<i64>| {
        let mut v: Vec<i64> = orders.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let pats = patients::get_many(db, &ids(|o| Some(o.patient_id))).await?;
    let procs: HashMap<i64, procedure::Model> = procedure::Entity::find()
        .filter(procedure::Column::Id.is_in(ids(|o| Some(o.procedure_id))))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let docs: HashMap<i64, PersonName> = physician::Entity::find()
        .filter(physician::Column::Id.is_in(ids(|o| o.physician_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let name = PersonName {
                family: m.family_name,
                given: m.given_name,
                middle: String::new(),
            };
            (m.id, name)
        })
        .collect();
    Ok(orders
        .into_iter()
        .filter_map(|o| {
            let patient = pats.get(&o.patient_id)?.clone();
            let procedure = procs.get(&o.procedure_id)?.clone();
            let physician = o.physician_id.and_then(|p| docs.get(&p).cloned());
            Some(Entry {
                order: o,
                patient,
                procedure,
                physician,
            })
        })
        .collect())
}
