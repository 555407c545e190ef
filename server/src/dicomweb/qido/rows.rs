//! The three QIDO-RS levels read from the index (patients ⋈ studies ⋈ series ⋈ instances) and
//! turned into DICOM JSON with the default return attributes of PS3.18 §10.6.3.3.

use super::Within;
use super::params::Params;
use super::sql::{condition, scoped};
use crate::db::index_entities::{instance, patient, series, study};
use crate::dicomweb::DwError;
use crate::dicomweb::json::Dataset;
use domain::Scope;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query as Sql, SelectStatement};
use sea_orm::{DatabaseConnection, FromQueryResult, StatementBuilder};

pub struct Query<'a> {
    pub scope: &'a Scope,
    pub params: &'a Params,
    pub within: Within,
    pub limit: u64,
    pub offset: u64,
}

/// PS3.18 Table 6.7.1-2 / -2a / -2b: what every answer carries at each level.
pub fn defaults(level: u8) -> &'static [u32] {
    match level {
        0 => &[
            0x0008_0005,
            0x0008_0020,
            0x0008_0030,
            0x0008_0050,
            0x0008_0056,
            0x0008_0061,
            0x0008_0090,
            0x0008_1190,
            0x0010_0010,
            0x0010_0020,
            0x0010_0030,
            0x0010_0040,
            0x0020_000D,
            0x0020_0010,
            0x0020_1206,
            0x0020_1208,
        ],
        1 => &[
            0x0008_0005,
            0x0008_0060,
            0x0008_103E,
            0x0008_1190,
            0x0020_000D,
            0x0020_000E,
            0x0020_0011,
            0x0020_1209,
        ],
        _ => &[
            0x0008_0005,
            0x0008_0016,
            0x0008_0018,
            0x0008_0056,
            0x0008_1190,
            0x0008_3002,
            0x0020_000D,
            0x0020_000E,
            0x0020_0013,
        ],
    }
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

fn filters(q: &Query<'_>) -> Result<Condition, DwError> {
    let mut c = scoped(q.scope);
    for (a, v) in &q.params.matches {
        c = c.add(condition(*a, v, q.params.fuzzy)?);
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
) -> Result<Vec<T>, DwError> {
    let stmt = db.get_database_backend().build(q);
    T::find_by_statement(stmt)
        .all(db)
        .await
        .map_err(DwError::internal)
}

#[derive(FromQueryResult)]
struct StudyRow {
    study_uid: String,
    study_date: String,
    study_time: String,
    accession: String,
    description: String,
    referring_physician: String,
    modalities: String,
    instance_count: i64,
    patient_name: String,
    patient_key: String,
    birth_date: String,
    sex: String,
    series_count: i64,
}

pub async fn studies(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
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
    ])
    .expr_as(
        Expr::col((patient::Entity, patient::Column::Name)),
        Alias::new("patient_name"),
    )
    .columns([
        (patient::Entity, patient::Column::PatientKey),
        (patient::Entity, patient::Column::BirthDate),
        (patient::Entity, patient::Column::Sex),
    ])
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
    let rows: Vec<StudyRow> = fetch(db, &s).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0020, "DA", &r.study_date)
                .text(0x0008_0030, "TM", &r.study_time)
                .text(0x0008_0050, "SH", &r.accession)
                .text(0x0008_0056, "CS", "ONLINE")
                .multi(0x0008_0061, "CS", &r.modalities)
                .person(0x0008_0090, &r.referring_physician)
                .text(0x0008_1030, "LO", &r.description)
                .text(
                    0x0008_1190,
                    "UR",
                    &format!("{base}/studies/{}", r.study_uid),
                )
                .person(0x0010_0010, &r.patient_name)
                .text(0x0010_0020, "LO", &r.patient_key)
                .text(0x0010_0030, "DA", &r.birth_date)
                .text(0x0010_0040, "CS", &r.sex)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_0010, "SH", "")
                .int(0x0020_1206, Some(r.series_count))
                .int(0x0020_1208, Some(r.instance_count));
            d
        })
        .collect())
}

#[derive(FromQueryResult)]
struct SeriesRow {
    study_uid: String,
    series_uid: String,
    modality: String,
    number: String,
    description: String,
    body_part: String,
    instance_count: i64,
}

pub async fn series(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
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
    let rows: Vec<SeriesRow> = fetch(db, &s).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0060, "CS", &r.modality)
                .text(0x0008_103E, "LO", &r.description)
                .text(
                    0x0008_1190,
                    "UR",
                    &format!("{base}/studies/{}/series/{}", r.study_uid, r.series_uid),
                )
                .text(0x0018_0015, "CS", &r.body_part)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_000E, "UI", &r.series_uid)
                .int(0x0020_0011, r.number.trim().parse().ok())
                .int(0x0020_1209, Some(r.instance_count));
            d
        })
        .collect())
}

#[derive(FromQueryResult)]
struct InstanceRow {
    study_uid: String,
    series_uid: String,
    sop_instance_uid: String,
    sop_class_uid: String,
    instance_number: String,
    transfer_syntax: String,
}

pub async fn instances(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
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
    let rows: Vec<InstanceRow> = fetch(db, &s).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let url = format!(
                "{base}/studies/{}/series/{}/instances/{}",
                r.study_uid, r.series_uid, r.sop_instance_uid
            );
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0016, "UI", &r.sop_class_uid)
                .text(0x0008_0018, "UI", &r.sop_instance_uid)
                .text(0x0008_0056, "CS", "ONLINE")
                .text(0x0008_1190, "UR", &url)
                .text(0x0008_3002, "UI", &r.transfer_syntax)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_000E, "UI", &r.series_uid)
                .int(0x0020_0013, r.instance_number.trim().parse().ok());
            d
        })
        .collect())
}

/// 404 unless the study (and the series in it) exists in one of the caller's clinics.
pub async fn visible(
    db: &DatabaseConnection,
    scope: &Scope,
    study_uid: &str,
    series_uid: Option<&str>,
) -> Result<(), DwError> {
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
    if rows.is_empty() {
        Err(DwError::NotFound)
    } else {
        Ok(())
    }
}
