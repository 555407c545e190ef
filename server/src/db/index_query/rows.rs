//! The four levels read from the index (patients ⋈ studies ⋈ series ⋈ instances) as typed rows,
//! newest study first, series and instances in arrival order, paged by `limit` / `offset`.

use super::matching::{condition, scoped};
use super::{Attr, QueryError};
use crate::db::index_entities::{instance, patient, series, study};
use domain::Scope;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query as Sql, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult, StatementBuilder};

/// Where a query is rooted.
#[derive(Debug, Clone, Default)]
pub struct Within {
    pub study: Option<String>,
    pub series: Option<String>,
}

pub struct Query<'a> {
    pub scope: &'a Scope,
    pub matches: &'a [(Attr, String)],
    pub fuzzy: bool,
    pub within: Within,
    pub limit: u64,
    pub offset: u64,
}

fn joined(level: u8) -> SelectStatement {
    let mut q = Sql::select();
    q.from(study::Entity).inner_join(
        patient::Entity,
        Expr::col((patient::Entity, patient::Column::Id))
            .equals((study::Entity, study::Column::PatientId)),
    );
    if level >= 1 {
        q.inner_join(
            series::Entity,
            Expr::col((series::Entity, series::Column::StudyId))
                .equals((study::Entity, study::Column::Id)),
        );
    }
    if level >= 2 {
        q.inner_join(
            instance::Entity,
            Expr::col((instance::Entity, instance::Column::SeriesId))
                .equals((series::Entity, series::Column::Id)),
        );
    }
    q
}

/// The patient's name (as `patient_name`), ID, birth date and sex, read by every study-level
/// and patient-level row.
fn patient_columns(s: &mut SelectStatement) -> &mut SelectStatement {
    s.expr_as(
        Expr::col((patient::Entity, patient::Column::Name)),
        Alias::new("patient_name"),
    )
    .columns([
        (patient::Entity, patient::Column::PatientKey),
        (patient::Entity, patient::Column::BirthDate),
        (patient::Entity, patient::Column::Sex),
    ])
}

fn filters(q: &Query<'_>) -> Result<Condition, QueryError> {
    let mut c = scoped(q.scope);
    for (a, v) in q.matches {
        c = c.add(condition(*a, v, q.fuzzy)?);
    }
    if let Some(s) = &q.within.study {
        c = c.add(Expr::col((study::Entity, study::Column::StudyUid)).eq(s.as_str()));
    }
    if let Some(s) = &q.within.series {
        c = c.add(Expr::col((series::Entity, series::Column::SeriesUid)).eq(s.as_str()));
    }
    Ok(c)
}

async fn fetch<T: FromQueryResult>(
    db: &DatabaseConnection,
    q: &impl StatementBuilder,
) -> Result<Vec<T>, QueryError> {
    let stmt = db.get_database_backend().build(q);
    Ok(T::find_by_statement(stmt).all(db).await?)
}

/// A patient of the index with the size of their record.
#[derive(Debug, FromQueryResult)]
pub struct PatientRow {
    pub patient_name: String,
    pub patient_key: String,
    pub birth_date: String,
    pub sex: String,
    pub study_count: i64,
    pub series_count: i64,
    pub instance_count: i64,
}

/// Patients having a study that matches (PS3.4 §C.6.1.1.2: the patient level of Patient Root).
pub async fn patients(
    db: &DatabaseConnection,
    q: &Query<'_>,
) -> Result<Vec<PatientRow>, QueryError> {
    let mut s = joined(0);
    patient_columns(&mut s)
        .expr_as(
            Expr::cust("COUNT(DISTINCT studies.id)"),
            Alias::new("study_count"),
        )
        .expr_as(
            Expr::cust(
                "(SELECT COUNT(*) FROM series AS s2 JOIN studies AS t2 ON s2.study_id = t2.id \
             WHERE t2.patient_id = patients.id)",
            ),
            Alias::new("series_count"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(studies.instance_count) AS BIGINT)"),
            Alias::new("instance_count"),
        )
        .cond_where(filters(q)?)
        .group_by_columns([
            (patient::Entity, patient::Column::Id),
            (patient::Entity, patient::Column::Name),
            (patient::Entity, patient::Column::PatientKey),
            (patient::Entity, patient::Column::BirthDate),
            (patient::Entity, patient::Column::Sex),
        ])
        .order_by((patient::Entity, patient::Column::Id), Order::Asc)
        .limit(q.limit)
        .offset(q.offset);
    fetch(db, &s).await
}

/// A study with its patient.
#[derive(Debug, FromQueryResult)]
pub struct StudyRow {
    pub study_uid: String,
    pub study_date: String,
    pub study_time: String,
    pub accession: String,
    pub description: String,
    pub referring_physician: String,
    pub modalities: String,
    pub instance_count: i64,
    pub patient_name: String,
    pub patient_key: String,
    pub birth_date: String,
    pub sex: String,
    pub series_count: i64,
}

pub async fn studies(db: &DatabaseConnection, q: &Query<'_>) -> Result<Vec<StudyRow>, QueryError> {
    let mut s = joined(0);
    s.columns([
        (study::Entity, study::Column::StudyUid),
        (study::Entity, study::Column::StudyDate),
        (study::Entity, study::Column::StudyTime),
        (study::Entity, study::Column::Accession),
        (study::Entity, study::Column::Description),
        (study::Entity, study::Column::ReferringPhysician),
        (study::Entity, study::Column::Modalities),
        (study::Entity, study::Column::InstanceCount),
    ]);
    patient_columns(&mut s)
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM series AS s2 WHERE s2.study_id = studies.id)"),
            Alias::new("series_count"),
        )
        .cond_where(filters(q)?)
        .order_by((study::Entity, study::Column::StudyDate), Order::Desc)
        .order_by((study::Entity, study::Column::StudyTime), Order::Desc)
        .order_by((study::Entity, study::Column::Id), Order::Desc)
        .limit(q.limit)
        .offset(q.offset);
    fetch(db, &s).await
}

/// A series with its study's UID.
#[derive(Debug, FromQueryResult)]
pub struct SeriesRow {
    pub study_uid: String,
    pub series_uid: String,
    pub modality: String,
    pub number: String,
    pub description: String,
    pub body_part: String,
    pub instance_count: i64,
}

pub async fn series(db: &DatabaseConnection, q: &Query<'_>) -> Result<Vec<SeriesRow>, QueryError> {
    let mut s = joined(1);
    s.column((study::Entity, study::Column::StudyUid))
        .columns([
            (series::Entity, series::Column::SeriesUid),
            (series::Entity, series::Column::Modality),
            (series::Entity, series::Column::Number),
            (series::Entity, series::Column::Description),
            (series::Entity, series::Column::BodyPart),
            (series::Entity, series::Column::InstanceCount),
        ])
        .cond_where(filters(q)?)
        .order_by((series::Entity, series::Column::Id), Order::Asc)
        .limit(q.limit)
        .offset(q.offset);
    fetch(db, &s).await
}

/// An instance with its study's and series' UIDs.
#[derive(Debug, FromQueryResult)]
pub struct InstanceRow {
    pub study_uid: String,
    pub series_uid: String,
    pub sop_instance_uid: String,
    pub sop_class_uid: String,
    pub instance_number: String,
    pub transfer_syntax: String,
}

pub async fn instances(
    db: &DatabaseConnection,
    q: &Query<'_>,
) -> Result<Vec<InstanceRow>, QueryError> {
    let mut s = joined(2);
    s.column((study::Entity, study::Column::StudyUid))
        .column((series::Entity, series::Column::SeriesUid))
        .columns([
            (instance::Entity, instance::Column::SopInstanceUid),
            (instance::Entity, instance::Column::SopClassUid),
            (instance::Entity, instance::Column::InstanceNumber),
            (instance::Entity, instance::Column::TransferSyntax),
        ])
        .cond_where(filters(q)?)
        .order_by((instance::Entity, instance::Column::Id), Order::Asc)
        .limit(q.limit)
        .offset(q.offset);
    fetch(db, &s).await
}

/// Whether the study (and the series in it) exists in one of the caller's clinics.
pub async fn visible(
    db: &DatabaseConnection,
    scope: &Scope,
    study_uid: &str,
    series_uid: Option<&str>,
) -> Result<bool, QueryError> {
    let mut s = joined(if series_uid.is_some() { 1 } else { 0 });
    let mut c =
        scoped(scope).add(Expr::col((study::Entity, study::Column::StudyUid)).eq(study_uid));
    if let Some(se) = series_uid {
        c = c.add(Expr::col((series::Entity, series::Column::SeriesUid)).eq(se));
    }
    s.expr_as(Expr::val(1), Alias::new("one"))
        .cond_where(c)
        .limit(1);
    #[derive(FromQueryResult)]
    struct One {
        #[allow(dead_code)]
        one: i32,
    }
    let rows: Vec<One> = fetch(db, &s).await?;
    Ok(!rows.is_empty())
}

/// An instance to send (C-MOVE, C-GET): where its spool copy is, and whether it was released.
#[derive(Debug, FromQueryResult)]
pub struct HeldRow {
    pub id: i64,
    pub sop_instance_uid: String,
    pub sop_class_uid: String,
    pub transfer_syntax: String,
    pub spool_path: String,
    pub size: i64,
    pub digest: String,
    pub purged_at: Option<i64>,
}

/// Every instance that matches, in series then arrival order.
pub async fn held(db: &DatabaseConnection, q: &Query<'_>) -> Result<Vec<HeldRow>, QueryError> {
    let mut s = joined(2);
    s.columns([
        (instance::Entity, instance::Column::Id),
        (instance::Entity, instance::Column::SopInstanceUid),
        (instance::Entity, instance::Column::SopClassUid),
        (instance::Entity, instance::Column::TransferSyntax),
        (instance::Entity, instance::Column::SpoolPath),
        (instance::Entity, instance::Column::Size),
        (instance::Entity, instance::Column::Digest),
        (instance::Entity, instance::Column::PurgedAt),
    ])
    .cond_where(
        filters(q)?.add(
            // The instance's own clinic too: an instance indexed under a study of the same UID in
            // another clinic is never sent.
            Expr::col((instance::Entity, instance::Column::ClinicId))
                .equals((study::Entity, study::Column::ClinicId)),
        ),
    )
    .order_by((series::Entity, series::Column::Id), Order::Asc)
    .order_by((instance::Entity, instance::Column::Id), Order::Asc)
    .limit(q.limit);
    fetch(db, &s).await
}
