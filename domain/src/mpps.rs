//! Modality Performed Procedure Step rules (PS3.4 Annex F): what an N-CREATE must carry and with
//! which status (§F.7.2.1, Table F.7.2-1), what an N-SET may change (§F.7.2.2: only a step
//! IN PROGRESS, and a final status needs its end date and time, COMPLETED its series), the
//! DIMSE status each refusal answers (PS3.7 Annex C, PS3.4 §F.7.2), and the order status its
//! steps imply. The DICOM decoding stays in the server; this reads plain values.

use crate::orders::OrderStatus;

/// Performed Procedure Step Status (0040,0252), PS3.3 §C.4.14.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PpsStatus {
    InProgress,
    Completed,
    Discontinued,
}

impl PpsStatus {
    pub const ALL: [PpsStatus; 3] = [
        PpsStatus::InProgress,
        PpsStatus::Completed,
        PpsStatus::Discontinued,
    ];

    /// The defined term in DICOM.
    pub fn dicom(self) -> &'static str {
        match self {
            PpsStatus::InProgress => "IN PROGRESS",
            PpsStatus::Completed => "COMPLETED",
            PpsStatus::Discontinued => "DISCONTINUED",
        }
    }

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            PpsStatus::InProgress => "in_progress",
            PpsStatus::Completed => "completed",
            PpsStatus::Discontinued => "discontinued",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == stored)
    }

    pub fn from_dicom(term: &str) -> Option<Self> {
        let t = term.trim();
        Self::ALL.into_iter().find(|s| s.dicom() == t)
    }

    /// COMPLETED and DISCONTINUED admit no further N-SET (§F.7.2.2.2).
    pub fn is_final(self) -> bool {
        self != PpsStatus::InProgress
    }
}

/// An attribute's tag and keyword, to name it in an Error Comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrTag {
    pub group: u16,
    pub element: u16,
    pub keyword: &'static str,
}

impl AttrTag {
    /// `(gggg,eeee)`.
    pub fn code(&self) -> String {
        format!("({:04X},{:04X})", self.group, self.element)
    }
}

impl std::fmt::Display for AttrTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.keyword)
    }
}

macro_rules! attr_tags {
    ($($name:ident = ($g:literal, $e:literal, $k:literal);)*) => {
        $(pub const $name: AttrTag = AttrTag { group: $g, element: $e, keyword: $k };)*
    };
}

attr_tags! {
    STATUS = (0x0040, 0x0252, "PerformedProcedureStepStatus");
    PPS_ID = (0x0040, 0x0253, "PerformedProcedureStepID");
    STATION_AE = (0x0040, 0x0241, "PerformedStationAETitle");
    START_DATE = (0x0040, 0x0244, "PerformedProcedureStepStartDate");
    START_TIME = (0x0040, 0x0245, "PerformedProcedureStepStartTime");
    END_DATE = (0x0040, 0x0250, "PerformedProcedureStepEndDate");
    END_TIME = (0x0040, 0x0251, "PerformedProcedureStepEndTime");
    MODALITY = (0x0008, 0x0060, "Modality");
    SCHEDULED_STEPS = (0x0040, 0x0270, "ScheduledStepAttributesSequence");
    STUDY_UID = (0x0020, 0x000D, "StudyInstanceUID");
    PERFORMED_SERIES = (0x0040, 0x0340, "PerformedSeriesSequence");
    SERIES_UID = (0x0020, 0x000E, "SeriesInstanceUID");
}

/// An attribute as the SCU sent it (PS3.4 §F.7.2 distinguishes absent from empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Attr {
    #[default]
    Absent,
    Empty,
    Value(String),
}

impl Attr {
    pub fn of(text: Option<&str>) -> Self {
        match text.map(str::trim) {
            None => Attr::Absent,
            Some("") => Attr::Empty,
            Some(v) => Attr::Value(v.to_owned()),
        }
    }

    /// The value, or empty text.
    pub fn text(&self) -> &str {
        match self {
            Attr::Value(v) => v,
            _ => "",
        }
    }

    /// A Type 1 attribute: present with a value.
    pub fn required(&self, tag: AttrTag) -> Result<&str, PpsError> {
        match self {
            Attr::Absent => Err(PpsError::Missing(tag)),
            Attr::Empty => Err(PpsError::Empty(tag)),
            Attr::Value(v) => Ok(v),
        }
    }
}

/// One item of the Scheduled Step Attributes Sequence: the requested procedure performed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduledStep {
    pub study_uid: Attr,
    pub accession: String,
    pub requested_procedure_id: String,
    pub sps_id: String,
}

/// One item of the Performed Series Sequence with the instances its Referenced Image and
/// Non-Image Composite SOP Instance Sequences list (SOP class, SOP instance).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerformedSeries {
    pub series_uid: Attr,
    pub description: String,
    pub instances: Vec<(String, String)>,
}

/// The attributes of an N-CREATE or N-SET that Passerelle keeps; a sequence is `None` when
/// absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PpsAttrs {
    pub status: Attr,
    pub pps_id: Attr,
    pub station_ae: Attr,
    pub start_date: Attr,
    pub start_time: Attr,
    pub end_date: Attr,
    pub end_time: Attr,
    pub modality: Attr,
    pub description: String,
    pub patient_id: String,
    pub patient_name: String,
    pub discontinue_reason: String,
    pub scheduled: Option<Vec<ScheduledStep>>,
    pub series: Option<Vec<PerformedSeries>>,
}

/// Why an N-CREATE or N-SET is refused, with the status it answers. Each message fits an Error
/// Comment (LO, 64 characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PpsError {
    #[error("missing attribute {0}")]
    Missing(AttrTag),
    #[error("missing value of {0}")]
    Empty(AttrTag),
    #[error("invalid value of {}: {}", .0.code(), .1)]
    Invalid(AttrTag, String),
    #[error("a step with this SOP Instance UID exists")]
    Duplicate,
    #[error("no step has this SOP Instance UID")]
    NoSuchInstance,
    #[error("Performed Procedure Step Object may no longer be updated")]
    Final(PpsStatus),
}

impl PpsError {
    /// The DIMSE status (PS3.7 Annex C.4; PS3.4 §F.7.2.2.4 for 0110).
    pub fn status(&self) -> u16 {
        match self {
            PpsError::Missing(_) => 0x0120,
            PpsError::Empty(_) => 0x0121,
            PpsError::Invalid(..) => 0x0106,
            PpsError::Duplicate => 0x0111,
            PpsError::NoSuchInstance => 0x0112,
            PpsError::Final(_) => 0x0110,
        }
    }

    /// The attribute the refusal is about (for the Attribute Identifier List, 0000,1005).
    pub fn tag(&self) -> Option<AttrTag> {
        match self {
            PpsError::Missing(t) | PpsError::Empty(t) | PpsError::Invalid(t, _) => Some(*t),
            _ => None,
        }
    }
}

/// DA: eight digits (PS3.5 Table 6.2-1).
fn check_date(v: &str, tag: AttrTag) -> Result<(), PpsError> {
    if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PpsError::Invalid(tag, "a date is YYYYMMDD".into()))
    }
}

/// TM: HH, HHMM or HHMMSS, with an optional fraction (PS3.5 Table 6.2-1).
fn check_time(v: &str, tag: AttrTag) -> Result<(), PpsError> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, "0"));
    let ok = matches!(whole.len(), 2 | 4 | 6)
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(PpsError::Invalid(tag, "a time is HHMMSS".into()))
    }
}

fn check_series(series: &Option<Vec<PerformedSeries>>) -> Result<(), PpsError> {
    for s in series.iter().flatten() {
        s.series_uid.required(SERIES_UID)?;
    }
    Ok(())
}

/// Checks an N-CREATE (§F.7.2.1.2): the Type 1 attributes of Table F.7.2-1, status IN
/// PROGRESS, at least one scheduled step each with its Study Instance UID.
pub fn check_create(a: &PpsAttrs) -> Result<(), PpsError> {
    let status = a.status.required(STATUS)?;
    if PpsStatus::from_dicom(status) != Some(PpsStatus::InProgress) {
        let why = format!(
            "must be IN PROGRESS, not {}",
            status.chars().take(16).collect::<String>()
        );
        return Err(PpsError::Invalid(STATUS, why));
    }
    a.pps_id.required(PPS_ID)?;
    a.station_ae.required(STATION_AE)?;
    check_date(a.start_date.required(START_DATE)?, START_DATE)?;
    check_time(a.start_time.required(START_TIME)?, START_TIME)?;
    a.modality.required(MODALITY)?;
    let steps = a
        .scheduled
        .as_ref()
        .ok_or(PpsError::Missing(SCHEDULED_STEPS))?;
    if steps.is_empty() {
        return Err(PpsError::Empty(SCHEDULED_STEPS));
    }
    for s in steps {
        s.study_uid.required(STUDY_UID)?;
    }
    check_series(&a.series)
}

/// What a stored step already holds, for an N-SET's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub status: PpsStatus,
    pub has_end: bool,
    pub has_series: bool,
}

/// Checks an N-SET against the stored step (§F.7.2.2.2) and returns the status it leaves.
pub fn check_set(cur: Stored, a: &PpsAttrs) -> Result<PpsStatus, PpsError> {
    if cur.status.is_final() {
        return Err(PpsError::Final(cur.status));
    }
    let to = match &a.status {
        Attr::Absent => cur.status,
        other => {
            let v = other.required(STATUS)?;
            PpsStatus::from_dicom(v)
                .ok_or_else(|| PpsError::Invalid(STATUS, "not a defined term".into()))?
        }
    };
    for (attr, tag) in [(&a.end_date, END_DATE), (&a.end_time, END_TIME)] {
        if let Attr::Value(v) = attr {
            match tag == END_DATE {
                true => check_date(v, tag)?,
                false => check_time(v, tag)?,
            }
        }
    }
    check_series(&a.series)?;
    if to.is_final() && !cur.has_end {
        a.end_date.required(END_DATE)?;
        a.end_time.required(END_TIME)?;
    }
    let lists_series = a.series.as_ref().map(|s| !s.is_empty());
    if to == PpsStatus::Completed && !lists_series.unwrap_or(cur.has_series) {
        return Err(match lists_series {
            Some(false) => PpsError::Empty(PERFORMED_SERIES),
            _ => PpsError::Missing(PERFORMED_SERIES),
        });
    }
    Ok(to)
}

/// The status an order's performed steps imply: completed if one completed, in progress if
/// one is still going, discontinued if every one was; `None` without steps.
pub fn order_status(steps: &[PpsStatus]) -> Option<OrderStatus> {
    if steps.contains(&PpsStatus::Completed) {
        Some(OrderStatus::Completed)
    } else if steps.contains(&PpsStatus::InProgress) {
        Some(OrderStatus::InProgress)
    } else if steps.is_empty() {
        None
    } else {
        Some(OrderStatus::Discontinued)
    }
}

#[cfg(test)]
#[path = "mpps_tests.rs"]
mod tests;
