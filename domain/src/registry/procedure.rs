//! The procedure catalogue of a clinic: what can be ordered (code, French and English names,
//! modality, body part, expected series), who should read it (subspecialty) and how fast
//! (turnaround target per priority), and how much reading it is (weight).

use super::staff::Subspecialty;
use super::{FieldError, FieldName, Problem, bad, required_text};
use crate::ClinicId;
use serde::{Deserialize, Serialize};

/// Upper-cased `A-Z 0-9 _ - .` code of 1–`max` characters.
fn code_like(field: FieldName, raw: &str, max: u32, extra: &[char]) -> Result<String, FieldError> {
    let v = raw.trim().to_uppercase();
    if v.is_empty() {
        return bad(field, Problem::Required);
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || extra.contains(c)))
    {
        return bad(field, Problem::BadCharacter { found: c });
    }
    if v.len() > max as usize {
        return bad(field, Problem::TooLong { max });
    }
    Ok(v)
}

/// A procedure code (HL7 OBR-4 identifier, DICOM Code Value, SH): 1–16 of `A-Z 0-9 _ - .`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode(String);

impl ProcedureCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        code_like(FieldName::Code, raw, 16, &['-', '.']).map(Self)
    }
}
string_newtype!(ProcedureCode, FieldError);

/// A DICOM modality (CS, PS3.3 C.7.3.1.1.1 defined terms such as CT, MR, US, CR, DX, MG, NM,
/// PT, XA, RF): 2–16 of `A-Z 0-9 _`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Modality(String);

/// The modalities offered in the forms (others may be typed).
pub const COMMON_MODALITIES: [&str; 12] = [
    "CT", "MR", "US", "CR", "DX", "MG", "NM", "PT", "XA", "RF", "BMD", "OT",
];

impl Modality {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = code_like(FieldName::Modality, raw, 16, &[])?;
        if v.len() < 2 {
            return bad(
                FieldName::Modality,
                Problem::BadFormat {
                    expected: "CT".into(),
                },
            );
        }
        Ok(Self(v))
    }
}
string_newtype!(Modality, FieldError);

/// A body part (DICOM Body Part Examined, CS, e.g. HEAD, CHEST, ABDOMEN, KNEE): 1–16 of
/// `A-Z 0-9 _ space`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct BodyPart(String);

impl BodyPart {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        code_like(FieldName::BodyPart, raw, 16, &[' ']).map(Self)
    }
}
string_newtype!(BodyPart, FieldError);

/// Target time from a complete study to a signed report, in minutes, per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Turnaround {
    pub stat_minutes: u32,
    pub urgent_minutes: u32,
    pub routine_minutes: u32,
}

impl Default for Turnaround {
    fn default() -> Self {
        Self {
            stat_minutes: 60,
            urgent_minutes: 240,
            routine_minutes: 2880,
        }
    }
}

impl Turnaround {
    /// Each at most 90 days, and STAT ≤ urgent ≤ routine.
    pub fn check(self) -> Result<Self, FieldError> {
        let max = 90 * 24 * 60;
        for m in [self.stat_minutes, self.urgent_minutes, self.routine_minutes] {
            if !(1..=max).contains(&m) {
                return bad(
                    FieldName::Turnaround,
                    Problem::OutOfRange {
                        min: 1,
                        max: i64::from(max),
                    },
                );
            }
        }
        if !(self.stat_minutes <= self.urgent_minutes
            && self.urgent_minutes <= self.routine_minutes)
        {
            return bad(
                FieldName::Turnaround,
                Problem::Conflict {
                    why: "STAT must be no slower than urgent, and urgent than routine".into(),
                },
            );
        }
        Ok(self)
    }

    pub fn minutes(self, p: crate::orders::Priority) -> u32 {
        match p {
            crate::orders::Priority::Stat => self.stat_minutes,
            crate::orders::Priority::Urgent => self.urgent_minutes,
            crate::orders::Priority::Routine => self.routine_minutes,
        }
    }
}

/// How much reading a procedure is, relative to a plain radiograph (1.0): 0.1–20, kept in
/// tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "u16", into = "u16")]
pub struct ReadingWeight(u16);

impl ReadingWeight {
    pub fn tenths(self) -> u16 {
        self.0
    }
}

impl Default for ReadingWeight {
    fn default() -> Self {
        Self(10)
    }
}

impl TryFrom<u16> for ReadingWeight {
    type Error = FieldError;
    fn try_from(t: u16) -> Result<Self, FieldError> {
        if (1..=200).contains(&t) {
            Ok(Self(t))
        } else {
            bad(
                FieldName::ReadingWeight,
                Problem::OutOfRange { min: 1, max: 200 },
            )
        }
    }
}

impl From<ReadingWeight> for u16 {
    fn from(w: ReadingWeight) -> u16 {
        w.0
    }
}

/// A catalogue entry as the form and the JSON API send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcedureInput {
    pub clinic: i64,
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
    pub modality: String,
    pub body_part: String,
    pub expected_series: u32,
    pub subspecialty: Option<Subspecialty>,
    /// The subspecialty is required to read it (else only preferred).
    pub subspecialty_required: bool,
    pub turnaround: Turnaround,
    /// Reading weight in tenths (10 = 1.0).
    pub weight_tenths: u16,
    pub active: bool,
}

/// A catalogue entry, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProcedure {
    pub clinic: ClinicId,
    pub code: ProcedureCode,
    pub name_fr: String,
    pub name_en: String,
    pub modality: Modality,
    pub body_part: BodyPart,
    pub expected_series: u32,
    pub subspecialty: Option<Subspecialty>,
    pub subspecialty_required: bool,
    pub turnaround: Turnaround,
    pub weight: ReadingWeight,
    pub active: bool,
}

impl ProcedureInput {
    pub fn check(&self) -> Result<ValidProcedure, FieldError> {
        if !(1..=100).contains(&self.expected_series) {
            return bad(
                FieldName::ExpectedSeries,
                Problem::OutOfRange { min: 1, max: 100 },
            );
        }
        if self.subspecialty_required && self.subspecialty.is_none() {
            return bad(FieldName::Subspecialty, Problem::Required);
        }
        Ok(ValidProcedure {
            clinic: ClinicId(self.clinic),
            code: ProcedureCode::parse(&self.code)?,
            name_fr: required_text(FieldName::NameFr, &self.name_fr, 128, false)?,
            name_en: required_text(FieldName::NameEn, &self.name_en, 128, false)?,
            modality: Modality::parse(&self.modality)?,
            body_part: BodyPart::parse(&self.body_part)?,
            expected_series: self.expected_series,
            subspecialty: self.subspecialty,
            subspecialty_required: self.subspecialty_required,
            turnaround: self.turnaround.check()?,
            weight: ReadingWeight::try_from(self.weight_tenths)?,
            active: self.active,
        })
    }
}

/// A catalogue entry as listed and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcedureView {
    pub id: i64,
    pub clinic: ClinicId,
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
    pub modality: String,
    pub body_part: String,
    pub expected_series: u32,
    pub subspecialty: Option<Subspecialty>,
    pub subspecialty_required: bool,
    pub turnaround: Turnaround,
    pub weight_tenths: u16,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProcedureInput {
        ProcedureInput {
            clinic: 1,
            code: "ct-head".into(),
            name_fr: "TDM cérébrale".into(),
            name_en: "CT head".into(),
            modality: "ct".into(),
            body_part: "head".into(),
            expected_series: 3,
            subspecialty: Some(Subspecialty::Neuro),
            subspecialty_required: false,
            turnaround: Turnaround::default(),
            weight_tenths: 15,
            active: true,
        }
    }

    #[test]
    fn catalogue_entry() {
        let p = input().check().expect("valid");
        assert_eq!(p.code.as_str(), "CT-HEAD");
        assert_eq!(p.modality.as_str(), "CT");
        assert_eq!(p.body_part.as_str(), "HEAD");
        let mut i = input();
        i.turnaround.stat_minutes = 500;
        assert_eq!(i.check().map_err(|e| e.field), Err(FieldName::Turnaround));
        let mut i = input();
        i.subspecialty = None;
        i.subspecialty_required = true;
        assert_eq!(i.check().map_err(|e| e.field), Err(FieldName::Subspecialty));
        let mut i = input();
        i.code = "CT HEAD".into();
        assert_eq!(i.check().map_err(|e| e.field), Err(FieldName::Code));
        assert!(Modality::parse("C").is_err());
        assert!(ReadingWeight::try_from(0).is_err());
    }
}
