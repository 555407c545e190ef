//! The instance index: one transaction per received instance, or one for a group of them
//! (`index_batch`) (patient, study, series, instance, forward jobs), conflicting-duplicate
//! versions, ingest events.

use super::id_cache::IdCache;
use super::index_attrs::Attrs;
use super::index_entities::{ingest_event, instance, instance_version, patient, series, study};
use super::queue::{self, JobSeed};
use super::{RepoError, now};
use domain::ClinicId;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, TransactionSession, TransactionTrait,
};

/// Everything the index records about one received instance.
pub struct NewInstance<'a> {
    pub clinic: ClinicId,
    pub attrs: &'a Attrs,
    pub transfer_syntax: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub spool_path: &'a str,
    pub calling_ae: &'a str,
    pub called_ae: &'a str,
    /// The routing facts of the instance (JSON), kept on its series for rule previews.
    pub route_facts: &'a str,
    /// Forward jobs created with the instance, in the same transaction (DESIGN step 2).
    pub jobs: &'a [JobSeed],
}

/// An instance already indexed under the same SOP Instance UID in the clinic.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: i64,
    pub digest: String,
    pub spool_path: String,
    pub size: i64,
    pub received_at: i64,
}

pub async fn find(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    sop_uid: &str,
) -> Result<Option<Existing>, RepoError> {
    let row = instance::Entity::find()
        .filter(instance::Column::ClinicId.eq(clinic.0))
        .filter(instance::Column::SopInstanceUid.eq(sop_uid))
        .one(db)
        .await?;
    Ok(row.map(|m| Existing {
        id: m.id,
        digest: m.digest,
        spool_path: m.spool_path,
        size: m.size,
        received_at: m.received_at,
    }))
}

fn inserted_or_existing<T>(r: Result<T, DbErr>) -> Result<(), DbErr> {
    match r {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn patient_id(txn: &impl ConnectionTrait, n: &NewInstance<'_>) -> Result<i64, RepoError> {
    let a = n.attrs;
    let am = patient::ActiveModel {
        clinic_id: Set(n.clinic.0),
        patient_key: Set(a.patient_key.clone()),
        name: Set(a.patient_name.clone()),
        birth_date: Set(a.birth_date.clone()),
        sex: Set(a.sex.clone()),
        ..Default::default()
    };
    let conflict = OnConflict::columns([patient::Column::ClinicId, patient::Column::PatientKey])
        .do_nothing()
        .to_owned();
    inserted_or_existing(
        patient::Entity::insert(am)
            .on_conflict(conflict)
            .exec(txn)
            .await,
    )?;
    let p = patient::Entity::find()
        .filter(patient::Column::ClinicId.eq(n.clinic.0))
        .filter(patient::Column::PatientKey.eq(a.patient_key.as_str()))
        .one(txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(p.id)
}

async fn study_row(
    txn: &impl ConnectionTrait,
    n: &NewInstance<'_>,
    patient: i64,
    t: i64,
) -> Result<study::Model, RepoError> {
    let a = n.attrs;
    let am = study::ActiveModel {
        clinic_id: Set(n.clinic.0),
        patient_id: Set(patient),
        study_uid: Set(a.study_uid.clone()),
        study_date: Set(a.study_date.clone()),
        study_time: Set(a.study_time.clone()),
        accession: Set(a.accession.clone()),
        description: Set(a.study_description.clone()),
        referring_physician: Set(a.referring.clone()),
        modalities: Set(String::new()),
        instance_count: Set(0),
        source_ae: Set(n.calling_ae.to_owned()),
        received_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    };
    let conflict = OnConflict::columns([study::Column::ClinicId, study::Column::StudyUid])
        .do_nothing()
        .to_owned();
    let created = match study::Entity::insert(am)
        .on_conflict(conflict)
        .exec(txn)
        .await
    {
        Ok(_) => true,
        Err(DbErr::RecordNotInserted) => false,
        Err(e) => return Err(e.into()),
    };
    let row = study::Entity::find()
        .filter(study::Column::ClinicId.eq(n.clinic.0))
        .filter(study::Column::StudyUid.eq(a.study_uid.as_str()))
        .one(txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    if created {
        // A new study: the order it was made for, by Study Instance UID or accession number.
        let (uid, acc, key) = (&a.study_uid, &a.accession, &a.patient_key);
        super::order_links::link_new_study(txn, n.clinic, row.id, uid, acc, key).await?;
    }
    Ok(row)
}

async fn series_id(
    txn: &impl ConnectionTrait,
    n: &NewInstance<'_>,
    st: &study::Model,
) -> Result<i64, RepoError> {
    let a = n.attrs;
    let am = series::ActiveModel {
        study_id: Set(st.id),
        series_uid: Set(a.series_uid.clone()),
        modality: Set(a.modality.clone()),
        number: Set(a.series_number.clone()),
        description: Set(a.series_description.clone()),
        body_part: Set(a.body_part.clone()),
        instance_count: Set(0),
        route_facts: Set(n.route_facts.to_owned()),
        ..Default::default()
    };
    let conflict = OnConflict::columns([series::Column::StudyId, series::Column::SeriesUid])
        .do_nothing()
        .to_owned();
    inserted_or_existing(
        series::Entity::insert(am)
            .on_conflict(conflict)
            .exec(txn)
            .await,
    )?;
    let s = series::Entity::find()
        .filter(series::Column::StudyId.eq(st.id))
        .filter(series::Column::SeriesUid.eq(a.series_uid.as_str()))
        .one(txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(s.id)
}

/// Adds `modality` to a study's `\`-separated list if missing.
fn with_modality(list: &str, modality: &str) -> Option<String> {
    if modality.is_empty() || list.split('\\').any(|m| m == modality) {
        return None;
    }
    let mut all: Vec<&str> = list
        .split('\\')
        .filter(|m| !m.is_empty())
        .chain([modality])
        .collect();
    all.sort_unstable();
    Some(all.join("\\"))
}

/// The instance's study id, the study's modalities and its series id: from `known` (ids the
/// caller already resolved) or resolved in the transaction (rows created when missing).
async fn parents(
    txn: &impl ConnectionTrait,
    n: &NewInstance<'_>,
    known: Option<Parents>,
    t: i64,
) -> Result<Parents, RepoError> {
    if let Some(hit) = known {
        return Ok(hit);
    }
    let patient = patient_id(txn, n).await?;
    let st = study_row(txn, n, patient, t).await?;
    let series = series_id(txn, n, &st).await?;
    Ok((st.id, st.modalities, series))
}

/// Indexes a new instance in one transaction. `Ok(false)`: the same SOP Instance UID is already
/// indexed in the clinic (nothing written).
pub async fn insert(
    db: &impl TransactionTrait,
    n: NewInstance<'_>,
    cache: &IdCache,
) -> Result<bool, RepoError> {
    let result = insert_inner(db, &n, cache).await;
    if result.is_err() {
        cache.clear();
    }
    result
}

/// (study id, study modalities, series id) of an instance.
pub(super) type Parents = (i64, String, i64);

async fn insert_inner(
    db: &impl TransactionTrait,
    n: &NewInstance<'_>,
    cache: &IdCache,
) -> Result<bool, RepoError> {
    let txn = db.begin().await?;
    let Some(parents) = insert_in(&txn, n, cache.get(n)).await? else {
        txn.rollback().await?;
        return Ok(false);
    };
    txn.commit().await?;
    cache.put(n, parents.0, parents.1, parents.2);
    Ok(true)
}

/// The statements of one instance's index transaction, inside the caller's transaction
/// `txn`; `known`: its parents' ids if the caller knows them. `None`: the same SOP Instance
/// UID is already indexed in the clinic (the caller rolls back: parents may have been created).
/// Else the instance's parents, the study's modalities as they now are.
pub(super) async fn insert_in(
    txn: &impl ConnectionTrait,
    n: &NewInstance<'_>,
    known: Option<Parents>,
) -> Result<Option<Parents>, RepoError> {
    let t = now();
    let (study_id, modalities, series) = parents(txn, n, known, t).await?;
    let am = instance::ActiveModel {
        clinic_id: Set(n.clinic.0),
        series_id: Set(series),
        sop_instance_uid: Set(n.attrs.sop_instance_uid.clone()),
        sop_class_uid: Set(n.attrs.sop_class_uid.clone()),
        instance_number: Set(n.attrs.instance_number.clone()),
        transfer_syntax: Set(n.transfer_syntax.to_owned()),
        size: Set(n.size),
        digest: Set(n.digest.to_owned()),
        spool_path: Set(n.spool_path.to_owned()),
        calling_ae: Set(n.calling_ae.to_owned()),
        called_ae: Set(n.called_ae.to_owned()),
        received_at: Set(t),
        ..Default::default()
    };
    let conflict =
        OnConflict::columns([instance::Column::ClinicId, instance::Column::SopInstanceUid])
            .do_nothing()
            .to_owned();
    let instance_id = match instance::Entity::insert(am)
        .on_conflict(conflict)
        .exec(txn)
        .await
    {
        Ok(r) => r.last_insert_id,
        Err(DbErr::RecordNotInserted) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    seed_jobs(txn, n, instance_id).await?;
    // The series and study instance counters (and the study's `updated_at`) follow by trigger
    // (migration m20261128_000010); only a new modality needs a statement here.
    let updated = with_modality(&modalities, &n.attrs.modality);
    if let Some(m) = &updated {
        study::Entity::update_many()
            .col_expr(study::Column::Modalities, Expr::value(m.clone()))
            .filter(study::Column::Id.eq(study_id))
            .exec(txn)
            .await?;
    }
    Ok(Some((study_id, updated.unwrap_or(modalities), series)))
}

/// Creates the instance's forward jobs; a job held by the residency guard is recorded as an
/// event (Law 25: what would have left Quebec without an assessment, and why it did not).
async fn seed_jobs(
    txn: &impl ConnectionTrait,
    n: &NewInstance<'_>,
    instance_id: i64,
) -> Result<(), RepoError> {
    queue::seed(txn, instance_id, n.clinic.0, &n.attrs.study_uid, n.jobs).await?;
    for held in n.jobs.iter().filter_map(|j| j.held_reason.as_deref()) {
        event(
            txn,
            Some(n.clinic),
            "residency_held",
            &n.attrs.sop_instance_uid,
            n.calling_ae,
            held,
        )
        .await?;
    }
    Ok(())
}

/// Keeps both versions of a conflicting duplicate: the new file becomes current, the previous
/// one is recorded as an earlier version, and the new one is routed. One transaction.
pub async fn replace_keeping_previous(
    db: &DatabaseConnection,
    old: &Existing,
    new: &NewInstance<'_>,
) -> Result<(), RepoError> {
    let (new_path, new_digest, new_size) = (new.spool_path, new.digest, new.size);
    let _gate = super::gate::write(db).await;
    let txn = db.begin().await?;
    instance_version::ActiveModel {
        instance_id: Set(old.id),
        spool_path: Set(old.spool_path.clone()),
        digest: Set(old.digest.clone()),
        size: Set(old.size),
        received_at: Set(old.received_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    instance::Entity::update_many()
        .col_expr(instance::Column::SpoolPath, Expr::value(new_path))
        .col_expr(instance::Column::Digest, Expr::value(new_digest))
        .col_expr(instance::Column::Size, Expr::value(new_size))
        .col_expr(
            instance::Column::TransferSyntax,
            Expr::value(new.transfer_syntax.to_owned()),
        )
        .col_expr(instance::Column::ReceivedAt, Expr::value(now()))
        .col_expr(instance::Column::PurgedAt, Expr::value(Option::<i64>::None))
        .filter(instance::Column::Id.eq(old.id))
        .exec(&txn)
        .await?;
    // The new content goes to the destinations too.
    seed_jobs(&txn, new, old.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Takes back an instance indexed at `spool_path` whose file could not be written (the index
/// transaction and the file write run side by side). One transaction; counters follow by trigger.
pub async fn retract(
    db: &DatabaseConnection,
    clinic: ClinicId,
    spool_path: &str,
) -> Result<(), RepoError> {
    let _gate = super::gate::write(db).await;
    let txn = db.begin().await?;
    let Some(row) = instance::Entity::find()
        .filter(instance::Column::ClinicId.eq(clinic.0))
        .filter(instance::Column::SpoolPath.eq(spool_path))
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    // The counters of its series and study follow by trigger.
    instance::Entity::delete_by_id(row.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Records an ingest event (conflicts, refusals).
pub async fn event(
    db: &impl ConnectionTrait,
    clinic: Option<ClinicId>,
    kind: &str,
    sop_uid: &str,
    calling_ae: &str,
    detail: &str,
) -> Result<(), RepoError> {
    ingest_event::ActiveModel {
        at: Set(now()),
        clinic_id: Set(clinic.map(|c| c.0)),
        kind: Set(kind.to_owned()),
        sop_instance_uid: Set(sop_uid.chars().take(64).collect()),
        calling_ae: Set(calling_ae.chars().take(16).collect()),
        detail: Set(detail.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_modality;

    #[test]
    fn modalities_accumulate_sorted_without_duplicates() {
        assert_eq!(with_modality("", "CT"), Some("CT".into()));
        assert_eq!(with_modality("CT", "CT"), None);
        assert_eq!(with_modality("MR\\SR", "CT"), Some("CT\\MR\\SR".into()));
        assert_eq!(with_modality("CT", ""), None);
    }
}
