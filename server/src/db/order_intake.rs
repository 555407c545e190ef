//! What an HL7 order line refers to, found in one statement (each statement on SQLite is a hop
//! to sqlx's connection thread and back, and a RIS sends orders one at a time): the patient of
//! the PID's record number, the procedure of OBR-4, the referring physician of ORC-12 with
//! whether they belong to the clinic, whether an order already holds one of the line's keys,
//! and whether a study of the index already carries its Study Instance UID or accession.

use super::RepoError;
use domain::ClinicId;
use sea_orm::{ConnectionTrait, Value};

/// A catalogue entry as an order line needs it.
#[derive(Debug, Clone)]
pub struct ProcedureRef {
    pub id: i64,
    pub active: bool,
    pub modality: String,
}

/// The keys an order line carries (empty ones are not looked up).
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    pub clinic: ClinicId,
    /// PID-3, when the patient is to be found in the same statement.
    pub mrn: Option<&'a str>,
    pub procedure_code: &'a str,
    pub licence: Option<&'a str>,
    /// The accession, placer and filler numbers, when a duplicate is to be found.
    pub order_keys: Option<(&'a str, &'a str, &'a str)>,
    /// The Study Instance UID and accession, when a study already received is to be found.
    pub study_keys: Option<(&'a str, &'a str)>,
}

/// The patient a record number names: its record, and whether it was merged away.
#[derive(Debug, Clone, Copy)]
pub struct PatientHit {
    pub id: i64,
    pub merged: bool,
}

/// What the keys found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub patient: Option<PatientHit>,
    pub procedure: Option<ProcedureRef>,
    /// The physician of the licence, and whether they refer to the clinic yet.
    pub physician: Option<(i64, bool)>,
    /// An order of the clinic holds the accession, placer or filler number.
    pub duplicate: bool,
    /// A study of the clinic carries the Study Instance UID or accession.
    pub studies: bool,
}

// Each OR branch beside the clinic, so that it uses its (clinic, key) index; an empty key is
// bound as NULL, which matches nothing.
const SQL: &str = "SELECT pr.id AS pr_id, pr.active AS pr_active, pr.modality AS pr_modality, \
    ph.id AS ph_id, (SELECT count(*) FROM physician_clinics pc \
      WHERE pc.physician_id = ph.id AND pc.clinic_id = ?) AS member, \
    pi.patient_id AS pa_id, r.merged_into AS pa_merged, \
    (SELECT count(*) FROM orders x WHERE (x.clinic_id = ? AND x.accession = ?) \
      OR (x.clinic_id = ? AND x.placer_number = ?) \
      OR (x.clinic_id = ? AND x.filler_number = ?)) AS dup, \
    (SELECT count(*) FROM studies s WHERE (s.clinic_id = ? AND s.study_uid = ?) \
      OR (s.clinic_id = ? AND s.accession = ?)) AS studies \
    FROM (SELECT 1 AS one) o \
    LEFT JOIN procedures pr ON pr.clinic_id = ? AND pr.code = ? \
    LEFT JOIN physicians ph ON ph.licence = ? \
    LEFT JOIN patient_identifiers pi ON pi.clinic_id = ? AND pi.identifier = ? \
    LEFT JOIN patient_records r ON r.id = pi.patient_id";

/// `v` bound as text, or NULL when empty.
fn key(v: Option<&str>) -> Value {
    v.filter(|s| !s.is_empty()).map(str::to_owned).into()
}

fn values(k: &Keys<'_>) -> Vec<Value> {
    let c = || Value::from(k.clinic.0);
    let (acc, placer, filler) = k.order_keys.unwrap_or_default();
    let (uid, study_acc) = k.study_keys.unwrap_or_default();
    vec![
        c(),
        c(),
        key(Some(acc)),
        c(),
        key(Some(placer)),
        c(),
        key(Some(filler)),
        c(),
        key(Some(uid)),
        c(),
        key(Some(study_acc)),
        c(),
        k.procedure_code.trim().to_uppercase().into(),
        key(k.licence),
        c(),
        key(k.mrn),
    ]
}

/// Looks every key up in one statement.
pub async fn lookup(db: &impl ConnectionTrait, k: &Keys<'_>) -> Result<Found, RepoError> {
    let Some(row) = super::raw::one(db, SQL, values(k)).await? else {
        return Ok(Found::default());
    };
    let procedure = match row.try_get::<Option<i64>>("", "pr_id")? {
        Some(id) => Some(ProcedureRef {
            id,
            active: row.try_get("", "pr_active")?,
            modality: row.try_get("", "pr_modality")?,
        }),
        None => None,
    };
    let physician = match row.try_get::<Option<i64>>("", "ph_id")? {
        Some(id) => Some((id, row.try_get::<i64>("", "member")? > 0)),
        None => None,
    };
    let patient = match row.try_get::<Option<i64>>("", "pa_id")? {
        Some(id) => Some(PatientHit {
            id,
            merged: row.try_get::<Option<i64>>("", "pa_merged")?.is_some(),
        }),
        None => None,
    };
    Ok(Found {
        patient,
        procedure,
        physician,
        duplicate: row.try_get::<i64>("", "dup")? > 0,
        studies: row.try_get::<i64>("", "studies")? > 0,
    })
}
