//! The Modality Worklist service (PS3.4 Annex K): the keys of a query read and matched against
//! the scheduled orders of one clinic, a page of candidates at a time, into answers. Schedules
//! are shown in Montreal time, as the clinics keep them.

use super::time;
use crate::db::RepoError;
use crate::db::worklist::{self as repo, Entry, Prefilter};
use domain::ClinicId;
use domain::orders::{OrderStatus, Priority};
use domain::registry::CivilDate;
use domain::worklist::{
    KeyError, StepStatus, WorklistEntry, WorklistItem, WorklistKeys, WorklistQuery,
};

/// Orders read from the database per page.
const PAGE: u64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    /// A malformed key (answered A900 naming the tag).
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The YYYYMMDD number as a civil date.
fn civil(n: u32) -> Option<CivilDate> {
    let y = u16::try_from(n / 10_000).ok()?;
    let m = u8::try_from((n / 100) % 100).ok()?;
    let d = u8::try_from(n % 100).ok()?;
    CivilDate::new(y, m, d)
}

/// What SQL can narrow: the schedule window of the date range, and the exact keys.
fn prefilter(q: &WorklistQuery) -> Prefilter {
    let bound = |d: Option<u32>| d.and_then(civil);
    let (from, until) = match q.date {
        Some(r) => (
            bound(r.from).map(|d| time::day_bounds(d, d).0),
            bound(r.to).map(|d| time::day_bounds(d, d).1),
        ),
        None => (None, None),
    };
    let lit = |p: &Option<domain::worklist::Pattern>| p.as_ref().and_then(|p| p.literal());
    Prefilter {
        from,
        until,
        station_ae: lit(&q.station_ae),
        modality: lit(&q.modality),
        accession: lit(&q.accession),
        limit: PAGE,
    }
}

/// The answer an order gives.
pub fn entry(e: Entry) -> WorklistEntry {
    let local = time::local(e.order.scheduled_at);
    let minute = local.minute_of_day();
    let mut o = e.order;
    // Orders typed in the UI carry no RIS identifiers: the accession number stands in for
    // the Requested Procedure ID and the step ID, as modalities need both.
    if o.requested_procedure_id.is_empty() {
        o.requested_procedure_id = o.accession.clone();
    }
    if o.sps_id.is_empty() {
        o.sps_id = o.accession.clone();
    }
    let started = OrderStatus::parse(&o.status) == Some(OrderStatus::InProgress);
    let description = if e.procedure.name_fr.is_empty() {
        e.procedure.name_en.clone()
    } else {
        e.procedure.name_fr.clone()
    };
    WorklistEntry {
        item: WorklistItem {
            station_ae: o.station_ae,
            start_date: local.date.compact(),
            start_time: format!("{:02}{:02}00", minute / 60, minute % 60),
            modality: o.modality,
            patient_id: e.patient.mrn.clone(),
            patient_name: e.patient.name.to_dicom(),
            accession: o.accession,
            requested_procedure_id: o.requested_procedure_id,
        },
        sps_id: o.sps_id,
        sps_status: if started {
            StepStatus::Started
        } else {
            StepStatus::Scheduled
        },
        description,
        procedure_code: e.procedure.code,
        priority: Priority::parse(&o.priority).unwrap_or_default().dicom(),
        study_uid: o.study_uid,
        referring_physician: e.physician.map(|p| p.to_dicom()).unwrap_or_default(),
        birth_date: e
            .patient
            .birth_date
            .map(|d| d.compact())
            .unwrap_or_default(),
        sex: e.patient.sex.dicom(),
        admission_id: o.admission_id,
        reason: o.reason,
        body_part: e.procedure.body_part,
    }
}

/// The answers to `keys` in `clinic`, earliest first, at most `max` (0: no limit).
pub async fn find(
    db: &impl sea_orm::ConnectionTrait,
    clinic: ClinicId,
    keys: &WorklistKeys,
    max: usize,
) -> Result<Vec<WorklistEntry>, WorklistError> {
    let q = WorklistQuery::read(keys)?;
    let f = prefilter(&q);
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = repo::candidates(db, clinic, &f, after).await?;
        for e in page {
            let answer = entry(e);
            if q.matches(&answer.item) {
                out.push(answer);
                if max > 0 && out.len() >= max {
                    return Ok(out);
                }
            }
        }
        if next.is_none() {
            return Ok(out);
        }
        after = next;
    }
}
