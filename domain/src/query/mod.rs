//! Query / retrieve model (PS3.4 Annex C): the search form a user fills, the keys it becomes at
//! each query level and information model, merged results from several PACS, and retrieve jobs
//! with their sub-operation progress. No IO: the browser validates with the same code.

mod keys;
mod merge;
mod retrieve;
pub mod scp;
#[cfg(test)]
mod tests;

pub use keys::{Key, instance_keys, patient_keys, series_keys, study_keys};
pub use merge::{InstanceHit, NodeOutcome, SearchOutcome, SeriesHit, SourceRef, StudyHit, merge};
pub use retrieve::{
    MoveStatus, RetrieveMethod, RetrieveRequest, RetrieveState, RetrieveView, SubOps,
    classify_move_status,
};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum QueryError {
    #[error("{field}: a date is YYYYMMDD")]
    Date { field: String },
    #[error("study date range: the start is after the end")]
    Range,
    #[error("{field}: at most {max} characters")]
    TooLong { field: String, max: usize },
    #[error("{field}: backslash and control characters are not allowed")]
    BadCharacter { field: String },
    #[error("{0} is not a valid UID")]
    Uid(String),
    #[error("give at least one search key")]
    Empty,
}

/// The information model of a query or retrieve (PS3.4 §C.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoModel {
    #[default]
    StudyRoot,
    PatientRoot,
}

impl InfoModel {
    pub fn as_str(self) -> &'static str {
        match self {
            InfoModel::StudyRoot => "study_root",
            InfoModel::PatientRoot => "patient_root",
        }
    }
}

/// Query/Retrieve Level (0008,0052), PS3.4 §C.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryLevel {
    Patient,
    Study,
    Series,
    Image,
}

impl QueryLevel {
    /// The code string sent in (0008,0052).
    pub fn code(self) -> &'static str {
        match self {
            QueryLevel::Patient => "PATIENT",
            QueryLevel::Study => "STUDY",
            QueryLevel::Series => "SERIES",
            QueryLevel::Image => "IMAGE",
        }
    }
}

/// What a user searches for. Empty fields are not matched (universal matching, PS3.4
/// §C.2.2.2.3). `*` and `?` are wildcards in names, IDs, accession and description
/// (§C.2.2.2.4); dates are `YYYYMMDD`, the range is inclusive (§C.2.2.2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudySearch {
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    pub study_date_from: String,
    pub study_date_to: String,
    pub modality: String,
    pub accession: String,
    pub description: String,
}

impl StudySearch {
    /// Checks every field; the first problem is reported.
    pub fn validate(&self) -> Result<(), QueryError> {
        let texts = [
            ("patient_name", &self.patient_name, 64),
            ("patient_id", &self.patient_id, 64),
            ("modality", &self.modality, 16),
            ("accession", &self.accession, 16),
            ("description", &self.description, 64),
        ];
        for (field, v, max) in texts {
            check_text(field, v, max)?;
        }
        for (field, v) in [
            ("birth_date", &self.birth_date),
            ("study_date_from", &self.study_date_from),
            ("study_date_to", &self.study_date_to),
        ] {
            if !v.trim().is_empty() && !is_date(v.trim()) {
                return Err(QueryError::Date {
                    field: field.into(),
                });
            }
        }
        let (from, to) = (self.study_date_from.trim(), self.study_date_to.trim());
        if !from.is_empty() && !to.is_empty() && from > to {
            return Err(QueryError::Range);
        }
        Ok(())
    }

    /// Whether no key is set (a search of everything, which PACS often refuse or truncate).
    pub fn is_empty(&self) -> bool {
        self == &StudySearch::default()
            || [
                &self.patient_name,
                &self.patient_id,
                &self.birth_date,
                &self.study_date_from,
                &self.study_date_to,
                &self.modality,
                &self.accession,
                &self.description,
            ]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// The Study Date matching value: single date, `from-`, `-to` or `from-to` (PS3.4
    /// §C.2.2.2.5); empty for universal matching.
    pub fn study_date(&self) -> String {
        let (from, to) = (self.study_date_from.trim(), self.study_date_to.trim());
        match (from.is_empty(), to.is_empty()) {
            (true, true) => String::new(),
            (false, false) if from == to => from.to_owned(),
            _ => format!("{from}-{to}"),
        }
    }
}

fn check_text(field: &str, v: &str, max: usize) -> Result<(), QueryError> {
    if v.chars().count() > max {
        return Err(QueryError::TooLong {
            field: field.into(),
            max,
        });
    }
    if v.chars().any(|c| c == '\\' || c.is_control()) {
        return Err(QueryError::BadCharacter {
            field: field.into(),
        });
    }
    Ok(())
}

/// A calendar date `YYYYMMDD` (PS3.5 §6.2, VR DA) with a plausible month and day.
pub fn is_date(v: &str) -> bool {
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month: u32 = v[4..6].parse().unwrap_or(0);
    let day: u32 = v[6..8].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// A UID (PS3.5 §9.1): 1–64 characters, digits separated by single dots, no leading zero.
pub fn is_uid(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

/// A study search over one or several PACS of a clinic (UI, JSON API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PacsSearch {
    pub clinic: i64,
    /// PACS node ids; empty: every PACS of the clinic.
    #[serde(default)]
    pub nodes: Vec<i64>,
    #[serde(default)]
    pub model: InfoModel,
    #[serde(default)]
    pub keys: StudySearch,
}

/// The series (or, with `series_uid`, the instances) of one study on one PACS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillDown {
    pub clinic: i64,
    pub node_id: i64,
    #[serde(default)]
    pub model: InfoModel,
    #[serde(default)]
    pub patient_id: String,
    pub study_uid: String,
    #[serde(default)]
    pub series_uid: Option<String>,
}

/// The answer of a drill-down: series rows, or instance rows when a series was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillDownResult {
    pub series: Vec<SeriesHit>,
    pub instances: Vec<InstanceHit>,
}
