//! Modality Worklist (PS3.4 Annex K): the matching keys a modality sends (§K.6.1.2.2), read into
//! a [`WorklistQuery`], and whether one scheduled procedure step ([`WorklistItem`]) matches it.
//! Date and time ranges follow §C.2.2.2.5 (`D1-D2`, `-D2`, `D1-`); date and time are matched
//! each on its own (combined date-time matching is an extended negotiation not offered).

mod pattern;
mod range;
#[cfg(test)]
mod tests;

pub use pattern::{Compare, Pattern, name_matches};
pub use range::{DateRange, RangeError, TimeRange};

/// The matching keys of a worklist C-FIND, as text (absent and empty are the same: universal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklistKeys {
    /// Scheduled Station AE Title (0040,0001).
    pub station_ae: String,
    /// Scheduled Procedure Step Start Date (0040,0002).
    pub start_date: String,
    /// Scheduled Procedure Step Start Time (0040,0003).
    pub start_time: String,
    /// Modality (0008,0060) in the Scheduled Procedure Step Sequence.
    pub modality: String,
    /// Patient ID (0010,0020).
    pub patient_id: String,
    /// Patient's Name (0010,0010).
    pub patient_name: String,
    /// Accession Number (0008,0050).
    pub accession: String,
    /// Requested Procedure ID (0040,1001).
    pub requested_procedure_id: String,
}

/// A malformed key, named by its tag (answered A900 with the tag in the Error Comment).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tag} {name}: {why}")]
pub struct KeyError {
    pub tag: &'static str,
    pub name: &'static str,
    pub why: RangeError,
}

/// The matching part of a worklist query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklistQuery {
    pub station_ae: Option<Pattern>,
    pub date: Option<DateRange>,
    pub time: Option<TimeRange>,
    pub modality: Option<Pattern>,
    pub patient_id: Option<Pattern>,
    pub patient_name: Option<Pattern>,
    pub accession: Option<Pattern>,
    pub requested_procedure_id: Option<Pattern>,
}

/// One scheduled procedure step as the worklist offers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklistItem {
    pub station_ae: String,
    /// YYYYMMDD, local time of the clinic.
    pub start_date: String,
    /// HHMMSS, local time of the clinic.
    pub start_time: String,
    pub modality: String,
    pub patient_id: String,
    /// DICOM PN: `family^given^middle`.
    pub patient_name: String,
    pub accession: String,
    pub requested_procedure_id: String,
}

impl WorklistQuery {
    /// Reads the keys; a malformed date or time is an error naming its tag.
    pub fn read(k: &WorklistKeys) -> Result<Self, KeyError> {
        let date = DateRange::parse(&k.start_date).map_err(|why| KeyError {
            tag: "(0040,0002)",
            name: "Scheduled Procedure Step Start Date",
            why,
        })?;
        let time = TimeRange::parse(&k.start_time).map_err(|why| KeyError {
            tag: "(0040,0003)",
            name: "Scheduled Procedure Step Start Time",
            why,
        })?;
        Ok(Self {
            station_ae: Pattern::new(&k.station_ae, Compare::Exact),
            date,
            time,
            modality: Pattern::new(&k.modality, Compare::Exact),
            patient_id: Pattern::new(&k.patient_id, Compare::Exact),
            patient_name: Pattern::new(&k.patient_name, Compare::Folded),
            accession: Pattern::new(&k.accession, Compare::Exact),
            requested_procedure_id: Pattern::new(&k.requested_procedure_id, Compare::Exact),
        })
    }

    /// Whether `item` matches every key given.
    pub fn matches(&self, item: &WorklistItem) -> bool {
        let text = |p: &Option<Pattern>, v: &str| p.as_ref().is_none_or(|p| p.matches(v));
        text(&self.station_ae, &item.station_ae)
            && text(&self.modality, &item.modality)
            && text(&self.patient_id, &item.patient_id)
            && text(&self.accession, &item.accession)
            && text(&self.requested_procedure_id, &item.requested_procedure_id)
            && self
                .patient_name
                .as_ref()
                .is_none_or(|p| name_matches(p, &item.patient_name))
            && self
                .date
                .as_ref()
                .is_none_or(|d| d.contains(&item.start_date))
            && self
                .time
                .as_ref()
                .is_none_or(|t| t.contains(&item.start_time))
    }
}

/// Scheduled Procedure Step Status (0040,0020) of an order on the worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepStatus {
    #[default]
    Scheduled,
    /// The modality reported the step started (MPPS IN PROGRESS, or images arrived).
    Started,
}

impl StepStatus {
    pub fn dicom(self) -> &'static str {
        match self {
            StepStatus::Scheduled => "SCHEDULED",
            StepStatus::Started => "STARTED",
        }
    }
}

/// One worklist answer: the matched step and everything its response carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklistEntry {
    pub item: WorklistItem,
    pub sps_id: String,
    pub sps_status: StepStatus,
    /// Scheduled Procedure Step Description and Requested Procedure Description.
    pub description: String,
    /// The catalogue code of the procedure (Requested Procedure Code Sequence).
    pub procedure_code: String,
    /// Requested Procedure Priority (0040,1003): STAT, HIGH, ROUTINE.
    pub priority: &'static str,
    pub study_uid: String,
    /// DICOM PN.
    pub referring_physician: String,
    /// YYYYMMDD or empty.
    pub birth_date: String,
    /// M, F, O or empty.
    pub sex: &'static str,
    pub admission_id: String,
    pub reason: String,
    pub body_part: String,
}
