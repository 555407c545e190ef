//! Links between orders and the studies of the index: made when a new study is indexed (its
//! Study Instance UID, else its accession number, names an order of the clinic) and when an
//! order is created (studies already received). A study whose Patient ID is not one of the
//! order's patient's identifiers is linked but flagged for staff, never merged silently.

use super::index_entities::{patient, study};
use super::orders::{self, OrderRowModel};
use super::registry_entities::{order, order_study, patient_identifier as ident};
use super::{RepoError, now};
use domain::ClinicId;
use domain::orders::{LinkMatch, OrderStatus, OrderStudyLink};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// The system actor of links made by ingest.
pub const IMAGES: &str = "system:images";

async fn order_for(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    study_uid: &str,
    accession: &str,
) -> Result<Option<(OrderRowModel, LinkMatch)>, RepoError> {
    if let Some(o) = orders::by_study_uid(db, study_uid).await?
        && o.clinic_id == clinic.0
    {
        return Ok(Some((o, LinkMatch::StudyUid)));
    }
    let accession = accession.trim();
    if accession.is_empty() {
        return Ok(None);
    }
    Ok(order::Entity::find()
        .filter(order::Column::ClinicId.eq(clinic.0))
        .filter(order::Column::Accession.eq(accession))
        .one(db)
        .await?
        .map(|o| (o, LinkMatch::Accession)))
}

/// Whether `patient_key` (a study's Patient ID) is one of the order's patient's identifiers.
async fn same_patient(
    db: &impl ConnectionTrait,
    o: &OrderRowModel,
    patient_key: &str,
) -> Result<bool, RepoError> {
    Ok(ident::Entity::find()
        .filter(ident::Column::ClinicId.eq(o.clinic_id))
        .filter(ident::Column::Identifier.eq(patient_key))
        .filter(ident::Column::PatientId.eq(o.patient_id))
        .one(db)
        .await?
        .is_some())
}

/// Links study `study_id` to order `o`; records the link, flags a patient mismatch, and starts
/// a scheduled order when the images are its patient's (a flagged study starts it only once
/// staff accept it). Nothing if already linked.
async fn link(
    db: &impl ConnectionTrait,
    o: &OrderRowModel,
    study_id: i64,
    how: LinkMatch,
    patient_key: &str,
    actor: &str,
) -> Result<(), RepoError> {
    let mismatch = !same_patient(db, o, patient_key).await?;
    let am = order_study::ActiveModel {
        order_id: Set(o.id),
        study_id: Set(study_id),
        matched_by: Set(how.as_str().to_owned()),
        patient_mismatch: Set(mismatch),
        resolved: Set(false),
        linked_at: Set(now()),
        ..Default::default()
    };
    let conflict =
        OnConflict::columns([order_study::Column::OrderId, order_study::Column::StudyId])
            .do_nothing()
            .to_owned();
    match order_study::Entity::insert(am)
        .on_conflict(conflict)
        .exec(db)
        .await
    {
        Ok(_) => {}
        Err(sea_orm::DbErr::RecordNotInserted) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    let note = format!("study {study_id} matched by {}", how.as_str());
    orders::event(db, o.id, actor, "linked", None, &note).await?;
    if mismatch {
        let note = format!("the images carry Patient ID {patient_key:?}, not this patient's");
        orders::event(db, o.id, actor, "mismatch", None, &note).await?;
    }
    if !mismatch {
        start(db, o.id, &o.status, actor).await?;
    }
    Ok(())
}

/// A scheduled order goes in progress: its images arrived.
async fn start(
    db: &impl ConnectionTrait,
    id: i64,
    status: &str,
    actor: &str,
) -> Result<(), RepoError> {
    if OrderStatus::parse(status) == Some(OrderStatus::Scheduled) {
        orders::set_status(db, id, OrderStatus::InProgress, actor, "images received").await?;
    }
    Ok(())
}

/// Called in the ingest transaction when a study row is created: links it to its order.
pub async fn link_new_study(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    study_id: i64,
    study_uid: &str,
    accession: &str,
    patient_key: &str,
) -> Result<Option<i64>, RepoError> {
    let Some((o, how)) = order_for(db, clinic, study_uid, accession).await? else {
        return Ok(None);
    };
    link(db, &o, study_id, how, patient_key, IMAGES).await?;
    Ok(Some(o.id))
}

/// Called when an order is created: links the studies of its clinic already received with its
/// Study Instance UID or accession number. Returns how many.
pub async fn link_existing(
    db: &impl ConnectionTrait,
    o: &OrderRowModel,
    actor: &str,
) -> Result<u64, RepoError> {
    // Each branch beside the clinic, so both use their (clinic, key) index.
    let in_clinic = |c: sea_orm::sea_query::SimpleExpr| {
        Condition::all()
            .add(study::Column::ClinicId.eq(o.clinic_id))
            .add(c)
    };
    let mut any = Condition::any().add(in_clinic(study::Column::StudyUid.eq(o.study_uid.as_str())));
    if !o.accession.is_empty() {
        any = any.add(in_clinic(study::Column::Accession.eq(o.accession.as_str())));
    }
    let studies = study::Entity::find().filter(any).all(db).await?;
    let mut n = 0;
    for s in studies {
        let key = patient::Entity::find_by_id(s.patient_id)
            .one(db)
            .await?
            .map(|p| p.patient_key)
            .unwrap_or_default();
        let how = if s.study_uid == o.study_uid {
            LinkMatch::StudyUid
        } else {
            LinkMatch::Accession
        };
        // The order may have been started by the previous study: read it again.
        let current = orders::by_id(db, o.id).await?;
        link(db, &current, s.id, how, &key, actor).await?;
        n += 1;
    }
    Ok(n)
}

/// The studies linked to an order, with the Patient ID their images carry.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Vec<OrderStudyLink>, RepoError> {
    let links = order_study::Entity::find()
        .filter(order_study::Column::OrderId.eq(order_id))
        .order_by_asc(order_study::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = links.iter().map(|l| l.study_id).collect();
    let studies: HashMap<i64, study::Model> = study::Entity::find()
        .filter(study::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let pids: Vec<i64> = studies.values().map(|s| s.patient_id).collect();
    let pats: HashMap<i64, patient::Model> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(pids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(links
        .into_iter()
        .map(|l| {
            let s = studies.get(&l.study_id);
            let p = s.and_then(|s| pats.get(&s.patient_id));
            OrderStudyLink {
                study_id: l.study_id,
                study_uid: s.map(|s| s.study_uid.clone()).unwrap_or_default(),
                matched_by: LinkMatch::parse(&l.matched_by),
                dicom_patient_id: p.map(|p| p.patient_key.clone()).unwrap_or_default(),
                dicom_patient_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                patient_mismatch: l.patient_mismatch,
                resolved: l.resolved,
                linked_at: l.linked_at,
            }
        })
        .collect())
}

/// Staff accept a flagged link (the images are this order's after all). `Ok(false)`: no such
/// flagged link.
pub async fn resolve(
    db: &impl ConnectionTrait,
    order_id: i64,
    study_id: i64,
    actor: &str,
    note: &str,
) -> Result<bool, RepoError> {
    let n = order_study::Entity::update_many()
        .col_expr(order_study::Column::Resolved, Expr::value(true))
        .filter(order_study::Column::OrderId.eq(order_id))
        .filter(order_study::Column::StudyId.eq(study_id))
        .filter(order_study::Column::PatientMismatch.eq(true))
        .exec(db)
        .await?
        .rows_affected;
    if n > 0 {
        orders::event(db, order_id, actor, "resolved", None, note).await?;
        if let Some(o) = order::Entity::find_by_id(order_id).one(db).await? {
            start(db, order_id, &o.status, actor).await?;
        }
    }
    Ok(n > 0)
}

/// Orders with a link flagged and not resolved, among `ids`.
pub async fn flagged(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<i64>, RepoError> {
    Ok(order_study::Entity::find()
        .filter(order_study::Column::OrderId.is_in(ids.to_vec()))
        .filter(order_study::Column::PatientMismatch.eq(true))
        .filter(order_study::Column::Resolved.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.order_id)
        .collect())
}
