//! Studies staff must reconcile: those whose Patient ID no patient record of their clinic has
//! (neither as its number nor as an alias), and those linked to an order of another patient.

use super::RepoError;
use domain::orders::UnmatchedStudy;
use domain::{ClinicId, Scope};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

/// At most this many of each kind are listed (newest first).
pub const LIMIT: u64 = 200;

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    clinic_id: i64,
    study_uid: String,
    study_date: String,
    accession: String,
    description: String,
    modalities: String,
    patient_key: String,
    name: String,
    birth_date: String,
    sex: String,
    order_id: Option<i64>,
}

/// ` AND s.clinic_id IN (…)` with its values, or nothing for every clinic.
fn scope_sql(backend: DbBackend, scope: &Scope, first: usize) -> (String, Vec<Value>) {
    match scope.clinic_ids() {
        None => (String::new(), vec![]),
        Some(ids) if ids.is_empty() => (" AND 1 = 0".into(), vec![]),
        Some(ids) => {
            let marks: Vec<String> = (0..ids.len())
                .map(|i| match backend {
                    DbBackend::Postgres => format!("${}", first + i),
                    _ => "?".into(),
                })
                .collect();
            let values = ids.into_iter().map(Value::from).collect();
            (
                format!(" AND s.clinic_id IN ({})", marks.join(", ")),
                values,
            )
        }
    }
}

const COLUMNS: &str = "s.id, s.clinic_id, s.study_uid, s.study_date, s.accession, s.description, \
     s.modalities, p.patient_key, p.name, p.birth_date, p.sex";

fn unmatched_sql(filter: &str) -> String {
    format!(
        "SELECT {COLUMNS}, CAST(NULL AS BIGINT) AS order_id FROM studies s \
         JOIN patients p ON p.id = s.patient_id \
         WHERE NOT EXISTS (SELECT 1 FROM patient_identifiers i \
           WHERE i.clinic_id = s.clinic_id AND i.identifier = p.patient_key){filter} \
         ORDER BY s.received_at DESC, s.id DESC LIMIT {LIMIT}"
    )
}

fn mismatch_sql(filter: &str) -> String {
    format!(
        "SELECT {COLUMNS}, os.order_id AS order_id FROM order_studies os \
         JOIN studies s ON s.id = os.study_id JOIN patients p ON p.id = s.patient_id \
         WHERE os.patient_mismatch = TRUE AND os.resolved = FALSE{filter} \
         ORDER BY os.linked_at DESC, os.id DESC LIMIT {LIMIT}"
    )
}

fn view(r: Row, reason: &str) -> UnmatchedStudy {
    UnmatchedStudy {
        study_id: r.id,
        clinic: ClinicId(r.clinic_id),
        study_uid: r.study_uid,
        study_date: r.study_date,
        accession: r.accession,
        description: r.description,
        modalities: r.modalities,
        dicom_patient_id: r.patient_key,
        dicom_patient_name: r.name,
        dicom_birth_date: r.birth_date,
        dicom_sex: r.sex,
        reason: reason.to_owned(),
        order_id: r.order_id,
    }
}

/// The studies in scope to reconcile: flagged order links first, then studies of no patient.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<UnmatchedStudy>, RepoError> {
    let backend = db.get_database_backend();
    let (filter, values) = scope_sql(backend, scope, 1);
    let mut out = Vec::new();
    for (sql, reason) in [
        (mismatch_sql(&filter), "patient_mismatch"),
        (unmatched_sql(&filter), "no_patient"),
    ] {
        let stmt = Statement::from_sql_and_values(backend, sql, values.clone());
        for r in Row::find_by_statement(stmt).all(db).await? {
            out.push(view(r, reason));
        }
    }
    Ok(out)
}

/// One study's clinic and Patient ID (for reconciling it), if in scope.
pub async fn study_patient(
    db: &impl ConnectionTrait,
    scope: &Scope,
    study_id: i64,
) -> Result<(ClinicId, String), RepoError> {
    use super::index_entities::{patient, study};
    use sea_orm::EntityTrait;
    let s = study::Entity::find_by_id(study_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if !scope.allows(ClinicId(s.clinic_id)) {
        return Err(RepoError::NotFound);
    }
    let p = patient::Entity::find_by_id(s.patient_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok((ClinicId(s.clinic_id), p.patient_key))
}
