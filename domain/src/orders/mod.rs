//! Imaging orders: one requested procedure each, with its accession number, priority, schedule,
//! a Study Instance UID assigned at creation, and a lifecycle ([`OrderStatus`]). The mappings to
//! HL7 v2 (ORC-7 / TQ1-9 / OBR-27 priority) and to DICOM (Requested Procedure Priority).

use crate::registry::{FieldError, FieldName, Problem, bad};
use serde::{Deserialize, Serialize};

mod status;
mod views;

pub use status::{OrderStatus, TransitionError};
pub use views::{
    LinkMatch, OrderEvent, OrderInput, OrderQuery, OrderRow, OrderStudyLink, OrderView,
    PatientFile, PerformedStepView, UnmatchedStep, UnmatchedStudy, ValidOrder,
};

/// How soon an exam must be done and read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Stat,
    Urgent,
    #[default]
    Routine,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Stat, Priority::Urgent, Priority::Routine];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Stat => "stat",
            Priority::Urgent => "urgent",
            Priority::Routine => "routine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// From an HL7 priority code (TQ component 6 of ORC-7 / OBR-27, TQ1-9, OBR-5; table 0027):
    /// S → STAT; A (ASAP), T (timing critical), C (callback) → urgent; R, P (pre-op) → routine.
    /// Empty is routine; an unknown code is `None`.
    pub fn from_hl7(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "S" | "STAT" => Some(Priority::Stat),
            "A" | "T" | "C" | "ASAP" => Some(Priority::Urgent),
            "R" | "P" | "" => Some(Priority::Routine),
            _ => None,
        }
    }

    /// The HL7 code written back (ORU, ACK detail): S, A or R.
    pub fn hl7(self) -> &'static str {
        match self {
            Priority::Stat => "S",
            Priority::Urgent => "A",
            Priority::Routine => "R",
        }
    }

    /// DICOM Requested Procedure Priority (0040,1003): STAT, HIGH or ROUTINE.
    pub fn dicom(self) -> &'static str {
        match self {
            Priority::Stat => "STAT",
            Priority::Urgent => "HIGH",
            Priority::Routine => "ROUTINE",
        }
    }
}

/// An accession number (DICOM (0008,0050), SH: at most 16 characters of printable ASCII without
/// backslash), unique in its clinic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct AccessionNumber(String);

impl AccessionNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        if v.is_empty() {
            return bad(FieldName::Accession, Problem::Required);
        }
        if let Some(c) = v.chars().find(|c| !(' '..='~').contains(c) || *c == '\\') {
            return bad(FieldName::Accession, Problem::BadCharacter { found: c });
        }
        if v.len() > 16 {
            return bad(FieldName::Accession, Problem::TooLong { max: 16 });
        }
        Ok(Self(v.to_owned()))
    }

    /// `prefix` then `n`, zero-padded so the whole is at least 8 characters.
    pub fn generated(prefix: &str, n: u64) -> Result<Self, FieldError> {
        let width = 8usize.saturating_sub(prefix.len()).max(1);
        Self::parse(&format!("{prefix}{n:0width$}"))
    }
}
string_newtype!(AccessionNumber, FieldError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_map_both_ways() {
        assert_eq!(Priority::from_hl7("S"), Some(Priority::Stat));
        assert_eq!(Priority::from_hl7("a"), Some(Priority::Urgent));
        assert_eq!(Priority::from_hl7(""), Some(Priority::Routine));
        assert_eq!(Priority::from_hl7("Z"), None);
        for p in Priority::ALL {
            assert_eq!(Priority::from_hl7(p.hl7()), Some(p));
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(Priority::Urgent.dicom(), "HIGH");
        assert!(Priority::Stat < Priority::Routine, "STAT sorts first");
    }

    #[test]
    fn accession_numbers() {
        assert_eq!(
            AccessionNumber::generated("P", 42).map(String::from),
            Ok("P0000042".into())
        );
        assert_eq!(
            AccessionNumber::generated("QCMTL2026", 7).map(String::from),
            Ok("QCMTL20267".into())
        );
        assert!(AccessionNumber::parse("A\\1").is_err());
        assert!(AccessionNumber::parse(&"1".repeat(17)).is_err());
        assert!(AccessionNumber::parse("ACC-2026-0001").is_ok());
        assert!(AccessionNumber::parse("É1").is_err());
    }
}
