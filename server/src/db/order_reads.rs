//! Order reads for the screens and the JSON API: a filtered, paged list (today's orders by
//! default) and one order with its history and studies, always within the caller's scope.
//! Times are left as instants; the service writes them in Montreal time.

use super::patients::{self, like_folded};
use super::registry_entities::{
    order, order_event, patient_identifier as ident, patient_record as rec, procedure,
};
use super::{RepoError, order_links, physicians};
use domain::orders::{OrderEvent, OrderQuery, OrderRow, OrderStatus, OrderView, Priority};
use domain::registry::PersonName;
use domain::views::Page;
use domain::{ClinicId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

pub const PAGE_SIZE: u64 = 50;

/// Who the list is for, beyond the clinic scope.
#[derive(Debug, Clone, Copy)]
pub enum Viewer {
    /// Staff, administrators, radiologists: every order of the clinics in scope.
    Clinics,
    /// A referring physician: only the orders they referred.
    Physician(i64),
}

async fn rows(
    db: &impl ConnectionTrait,
    models: Vec<order::Model>,
) -> Result<Vec<OrderRow>, RepoError> {
    let pids: Vec<i64> = models.iter().map(|o| o.patient_id).collect();
    let pats = patients::get_many(db, &pids).await?;
    let procs: HashMap<i64, procedure::Model> = procedure::Entity::find()
        .filter(
            procedure::Column::Id.is_in(models.iter().map(|o| o.procedure_id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let docs = physicians::names(
        db,
        &models
            .iter()
            .filter_map(|o| o.physician_id)
            .collect::<Vec<_>>(),
    )
    .await?;
    let flagged =
        order_links::flagged(db, &models.iter().map(|o| o.id).collect::<Vec<_>>()).await?;
    Ok(models
        .into_iter()
        .map(|o| {
            let p = pats.get(&o.patient_id);
            let pr = procs.get(&o.procedure_id);
            OrderRow {
                id: o.id,
                clinic: ClinicId(o.clinic_id),
                accession: o.accession,
                patient_id: o.patient_id,
                patient_name: p.map(|p| p.name.clone()).unwrap_or(PersonName {
                    family: String::new(),
                    given: String::new(),
                    middle: String::new(),
                }),
                mrn: p.map(|p| p.mrn.clone()).unwrap_or_default(),
                procedure_code: pr.map(|p| p.code.clone()).unwrap_or_default(),
                procedure_fr: pr.map(|p| p.name_fr.clone()).unwrap_or_default(),
                procedure_en: pr.map(|p| p.name_en.clone()).unwrap_or_default(),
                modality: o.modality,
                priority: Priority::parse(&o.priority).unwrap_or_default(),
                status: OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Scheduled),
                scheduled_at: o.scheduled_at,
                scheduled_local: String::new(),
                physician_name: o.physician_id.and_then(|d| docs.get(&d).cloned()),
                station_ae: o.station_ae,
                needs_attention: flagged.contains(&o.id),
            }
        })
        .collect())
}

/// Orders whose patient or accession matches `text` (name, record number, accession).
async fn text_condition(
    db: &impl ConnectionTrait,
    scope: &Scope,
    text: &str,
) -> Result<Condition, RepoError> {
    let folded = domain::registry::text::fold(text);
    let mut by_name = Condition::all();
    for w in folded.split(' ').filter(|w| !w.is_empty()) {
        by_name = by_name.add(Expr::col(rec::Column::SearchKey).like(like_folded(w)));
    }
    let mut pq = rec::Entity::find()
        .select_only()
        .column(rec::Column::Id)
        .filter(by_name);
    if let Some(ids) = scope.clinic_ids() {
        pq = pq.filter(rec::Column::ClinicId.is_in(ids));
    }
    let mut patient_ids: Vec<i64> = pq.into_tuple::<i64>().all(db).await?;
    patient_ids.extend(
        ident::Entity::find()
            .select_only()
            .column(ident::Column::PatientId)
            .filter(ident::Column::Identifier.eq(text.trim()))
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    Ok(Condition::any()
        .add(order::Column::PatientId.is_in(patient_ids))
        .add(order::Column::Accession.eq(text.trim())))
}

/// One page of orders; `bounds` (instants, end excluded) applies unless `q.any_date`.
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: Viewer,
    q: &OrderQuery,
    bounds: (i64, i64),
) -> Result<Page<OrderRow>, RepoError> {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        c = c.add(order::Column::ClinicId.is_in(ids));
    }
    if let Viewer::Physician(p) = viewer {
        c = c.add(order::Column::PhysicianId.eq(p));
    }
    if let Some(clinic) = q.clinic {
        c = c.add(order::Column::ClinicId.eq(clinic));
    }
    if let Some(p) = q.patient_id {
        c = c.add(order::Column::PatientId.eq(p));
    }
    if let Some(s) = q.status {
        c = c.add(order::Column::Status.eq(s.as_str()));
    }
    if !q.any_date && q.patient_id.is_none() {
        c = c
            .add(order::Column::ScheduledAt.gte(bounds.0))
            .add(order::Column::ScheduledAt.lt(bounds.1));
    }
    if !q.text.trim().is_empty() {
        c = c.add(text_condition(db, scope, &q.text).await?);
    }
    let mut query = order::Entity::find().filter(c);
    query = if q.any_date || q.patient_id.is_some() {
        query.order_by_desc(order::Column::ScheduledAt)
    } else {
        query.order_by_asc(order::Column::ScheduledAt)
    };
    let pages = query
        .order_by_asc(order::Column::Id)
        .paginate(db, PAGE_SIZE);
    let total = pages.num_items().await?;
    let models = pages.fetch_page(q.page).await?;
    Ok(Page {
        rows: rows(db, models).await?,
        total,
        page: q.page,
        page_size: PAGE_SIZE,
    })
}

/// One order with its history and linked studies, if visible to the viewer.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    viewer: Viewer,
    id: i64,
) -> Result<OrderView, RepoError> {
    let o = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let visible = scope.allows(ClinicId(o.clinic_id))
        && match viewer {
            Viewer::Clinics => true,
            Viewer::Physician(p) => o.physician_id == Some(p),
        };
    if !visible {
        return Err(RepoError::NotFound);
    }
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(id))
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| OrderEvent {
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            status: OrderStatus::parse(&e.status),
            note: e.note,
        })
        .collect();
    let studies = order_links::of_order(db, id).await?;
    let steps = super::performed_steps::views_of_order(db, id).await?;
    let row = rows(db, vec![o.clone()]).await?.remove(0);
    Ok(OrderView {
        row,
        procedure_id: o.procedure_id,
        physician_id: o.physician_id,
        reason: o.reason,
        study_uid: o.study_uid,
        placer_number: o.placer_number,
        filler_number: o.filler_number,
        requested_procedure_id: o.requested_procedure_id,
        admission_id: o.admission_id,
        source: o.source,
        created_at: o.created_at,
        updated_at: o.updated_at,
        studies,
        events,
        steps,
    })
}
