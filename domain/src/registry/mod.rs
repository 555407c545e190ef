//! The people and things around the images: patients (with the Quebec health insurance number),
//! radiologists, referring physicians and the procedure catalogue, as validated inputs and views.
//!
//! Validation errors name the field and the problem ([`FieldError`]), so the UI can say them in
//! the user's language and the HL7 intake can point at the segment field that carried them.

use serde::{Deserialize, Serialize};
use std::fmt;

mod contact;
mod date;
mod patient;
mod physician;
mod procedure;
mod ramq;
mod staff;
pub mod text;

pub use contact::{Contact, Email, Phone};
pub use date::{CivilDate, LocalDateTime};
pub use patient::{
    Language, Mrn, PatientInput, PatientMatch, PatientQuery, PatientView, PersonName, Sex,
    ValidPatient,
};
pub use physician::{
    NotifyPrefs, PhysicianInput, PhysicianView, UrgentChannel, ValidPhysician, licence_number,
};
pub use procedure::{
    BodyPart, COMMON_MODALITIES, Modality, ProcedureCode, ProcedureInput, ProcedureView,
    ReadingWeight, Turnaround, ValidProcedure,
};
pub use ramq::{Ramq, RamqWarning};
pub use staff::{
    Absence, CmqLicence, Credential, RadiologistInput, RadiologistView, Subspecialty,
    ValidRadiologist, Weekday, WeeklySlot, hhmm, parse_hhmm,
};

/// Which field a validation problem is about (stable identifiers, localized by the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Clinic,
    Mrn,
    FamilyName,
    GivenName,
    BirthDate,
    Sex,
    Language,
    Phone,
    Email,
    Address,
    Ramq,
    User,
    Licence,
    LicenceExpiry,
    Subspecialty,
    Modalities,
    Credentials,
    Availability,
    Absences,
    MaxOpenTasks,
    UrgentChannel,
    Code,
    NameFr,
    NameEn,
    Modality,
    BodyPart,
    ExpectedSeries,
    Turnaround,
    ReadingWeight,
    Accession,
    Patient,
    Physician,
    Procedure,
    Priority,
    Reason,
    ScheduledAt,
    StationAe,
    Status,
    Facility,
    Study,
}

impl FieldName {
    /// The English label (the UI has both languages).
    pub fn label(self) -> &'static str {
        use FieldName::*;
        match self {
            Clinic => "clinic",
            Mrn => "medical record number",
            FamilyName => "family name",
            GivenName => "given name",
            BirthDate => "birth date",
            Sex => "sex",
            Language => "language",
            Phone => "phone",
            Email => "email",
            Address => "address",
            Ramq => "health insurance number (RAMQ)",
            User => "user account",
            Licence => "licence number",
            LicenceExpiry => "licence expiry",
            Subspecialty => "subspecialty",
            Modalities => "modalities",
            Credentials => "clinics credentialed",
            Availability => "weekly availability",
            Absences => "absences",
            MaxOpenTasks => "maximum open tasks",
            UrgentChannel => "channel for urgent results",
            Code => "code",
            NameFr => "French name",
            NameEn => "English name",
            Modality => "modality",
            BodyPart => "body part",
            ExpectedSeries => "expected series",
            Turnaround => "turnaround target",
            ReadingWeight => "reading weight",
            Accession => "accession number",
            Patient => "patient",
            Physician => "referring physician",
            Procedure => "procedure",
            Priority => "priority",
            Reason => "reason for exam",
            ScheduledAt => "scheduled time",
            StationAe => "scheduled station AE title",
            Status => "status",
            Facility => "facility",
            Study => "study",
        }
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What is wrong with a field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong {
        max: u32,
    },
    BadCharacter {
        found: char,
    },
    /// Not in the expected shape; `expected` is an example or pattern, shown as is.
    BadFormat {
        expected: String,
    },
    /// Not a date of the calendar.
    BadDate,
    InFuture,
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// A value of a fixed list that is not in it.
    Unknown {
        value: String,
    },
    /// Already used by another record (unique within the clinic).
    Taken,
    /// Refers to a record that does not exist or is not visible.
    NotFound,
    /// A status change the lifecycle does not allow.
    Transition {
        from: String,
        to: String,
    },
    /// A conflicting combination, explained in English (rare; kept short).
    Conflict {
        why: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => f.write_str("is required"),
            Problem::TooLong { max } => write!(f, "must be at most {max} characters"),
            Problem::BadCharacter { found } => {
                write!(f, "contains a character that is not allowed: {found:?}")
            }
            Problem::BadFormat { expected } => write!(f, "is not in the form {expected}"),
            Problem::BadDate => f.write_str("is not a date of the calendar"),
            Problem::InFuture => f.write_str("is in the future"),
            Problem::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Problem::Unknown { value } => write!(f, "does not know {value:?}"),
            Problem::Taken => f.write_str("is already used by another record"),
            Problem::NotFound => f.write_str("refers to a record that does not exist"),
            Problem::Transition { from, to } => write!(f, "cannot go from {from} to {to}"),
            Problem::Conflict { why } => f.write_str(why),
        }
    }
}

/// A field's value refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{}", self.said())]
pub struct FieldError {
    pub field: FieldName,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: FieldName, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// In English: "birth date is in the future"; a conflict names its field, then says why.
    fn said(&self) -> String {
        match &self.problem {
            Problem::Conflict { why } => format!("{}: {why}", self.field),
            p => format!("{} {p}", self.field),
        }
    }
}

/// `Err(field, problem)` shorthand.
pub(crate) fn bad<T>(field: FieldName, problem: Problem) -> Result<T, FieldError> {
    Err(FieldError::new(field, problem))
}

/// Trimmed free text of at most `max` characters without control characters or the DICOM /
/// HL7 delimiters that cannot be stored in a person name (`^`, `=`, `\`) when `pn` is set.
/// Empty gives `Ok("")`; the caller decides whether that is allowed.
pub fn clean_text(field: FieldName, raw: &str, max: u32, pn: bool) -> Result<String, FieldError> {
    let v = raw.trim();
    if let Some(c) = v
        .chars()
        .find(|c| c.is_control() || (pn && matches!(c, '^' | '=' | '\\')))
    {
        return bad(field, Problem::BadCharacter { found: c });
    }
    if v.chars().count() > max as usize {
        return bad(field, Problem::TooLong { max });
    }
    Ok(v.to_owned())
}

/// Like [`clean_text`], and not empty.
pub fn required_text(
    field: FieldName,
    raw: &str,
    max: u32,
    pn: bool,
) -> Result<String, FieldError> {
    let v = clean_text(field, raw, max, pn)?;
    if v.is_empty() {
        return bad(field, Problem::Required);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks() {
        assert_eq!(
            required_text(FieldName::FamilyName, "  Côté ", 64, true),
            Ok("Côté".into())
        );
        assert_eq!(
            required_text(FieldName::FamilyName, " ", 64, true),
            Err(FieldError::new(FieldName::FamilyName, Problem::Required))
        );
        assert!(required_text(FieldName::FamilyName, "A^B", 64, true).is_err());
        assert!(required_text(FieldName::Reason, "A^B", 64, false).is_ok());
        assert!(clean_text(FieldName::Reason, "a\u{7}", 64, false).is_err());
        assert_eq!(
            clean_text(FieldName::Reason, &"é".repeat(65), 64, false)
                .expect_err("long")
                .to_string(),
            "reason for exam must be at most 64 characters"
        );
    }
}
