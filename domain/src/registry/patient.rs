//! A patient of one clinic: medical record number (unique in the clinic, which is its issuer),
//! name (to and from DICOM PN and HL7 XPN, accents kept), birth date, sex, language, contact and
//! RAMQ number; the form's input and its validation, and the views.

use super::contact::Contact;
use super::ramq::{Ramq, RamqWarning};
use super::text::fold;
use super::{CivilDate, FieldError, FieldName, Problem, bad, clean_text, required_text};
use crate::ClinicId;
use serde::{Deserialize, Serialize};

/// A medical record number (DICOM Patient ID, LO): 1–64 characters, no backslash, no control
/// characters, no surrounding spaces. Compared exactly (case matters, as in DICOM).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Mrn(String);

impl Mrn {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = required_text(FieldName::Mrn, raw, 64, false)?;
        if let Some(c) = v.chars().find(|c| *c == '\\') {
            return bad(FieldName::Mrn, Problem::BadCharacter { found: c });
        }
        Ok(Self(v))
    }
}
string_newtype!(Mrn, FieldError);

/// A person's name: family and given names (middle optional), each at most 64 characters
/// without the PN delimiters `^ = \`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonName {
    pub family: String,
    pub given: String,
    #[serde(default)]
    pub middle: String,
}

impl PersonName {
    /// A family name is required; the given name may be empty.
    pub fn new(family: &str, given: &str) -> Result<Self, FieldError> {
        Ok(Self {
            family: required_text(FieldName::FamilyName, family, 64, true)?,
            given: clean_text(FieldName::GivenName, given, 64, true)?,
            middle: String::new(),
        })
    }

    pub fn with_middle(mut self, middle: &str) -> Result<Self, FieldError> {
        self.middle = clean_text(FieldName::GivenName, middle, 64, true)?;
        Ok(self)
    }

    /// DICOM PN, alphabetic group (PS3.5 §6.2.1.1): `Family^Given^Middle`, trailing empty
    /// components dropped.
    pub fn to_dicom(&self) -> String {
        let mut parts = vec![
            self.family.as_str(),
            self.given.as_str(),
            self.middle.as_str(),
        ];
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        parts.join("^")
    }

    /// From a DICOM PN: the alphabetic group's family, given and middle components.
    pub fn from_dicom(pn: &str) -> Result<Self, FieldError> {
        let alphabetic = pn.split('=').next().unwrap_or("");
        let mut c = alphabetic.split('^');
        let (f, g, m) = (
            c.next().unwrap_or(""),
            c.next().unwrap_or(""),
            c.next().unwrap_or(""),
        );
        Self::new(f, g)?.with_middle(m)
    }

    /// `Given Middle Family` for display.
    pub fn display(&self) -> String {
        [
            self.given.as_str(),
            self.middle.as_str(),
            self.family.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// `FAMILY, Given` for lists.
    pub fn sortable(&self) -> String {
        if self.given.is_empty() {
            self.family.to_uppercase()
        } else {
            format!("{}, {}", self.family.to_uppercase(), self.given)
        }
    }
}

/// Administrative sex (DICOM Patient's Sex, HL7 table 0001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
    #[default]
    Unknown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Sex::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    FieldName::Sex,
                    Problem::Unknown {
                        value: raw.to_owned(),
                    },
                )
            })
    }

    /// DICOM (0010,0040) value: `M`, `F`, `O`, or empty when unknown.
    pub fn dicom(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Other => "O",
            Sex::Unknown => "",
        }
    }

    /// From DICOM or HL7 (table 0001: F, M, O, U, A ambiguous, N not applicable).
    pub fn from_code(code: &str) -> Self {
        match code.trim().to_ascii_uppercase().as_str() {
            "M" => Sex::Male,
            "F" => Sex::Female,
            "O" | "A" | "N" => Sex::Other,
            _ => Sex::Unknown,
        }
    }
}

/// The language the patient is spoken and written to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    /// `fr`, `FRE`, `fra`, `fr-CA`, `French`, `français` … (ISO 639-1 / 639-2, HL7 PID-15).
    pub fn from_code(code: &str) -> Option<Self> {
        let c = fold(code);
        if c.starts_with("fr") {
            Some(Language::Fr)
        } else if c.starts_with("en") || c.starts_with("an") {
            Some(Language::En)
        } else {
            None
        }
    }
}

/// A patient as the form and the JSON API send it (texts as typed; validated by [`Self::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientInput {
    pub clinic: i64,
    pub mrn: String,
    pub family_name: String,
    pub given_name: String,
    /// `YYYY-MM-DD`, or empty when unknown.
    pub birth_date: String,
    pub sex: Sex,
    pub language: Language,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// Empty when the patient has none (visitors, newborns).
    pub ramq: String,
    /// The user saw the RAMQ warnings and keeps the values.
    #[serde(default)]
    pub confirm_warnings: bool,
}

/// A patient record whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPatient {
    pub clinic: ClinicId,
    pub mrn: Mrn,
    pub name: PersonName,
    pub birth_date: Option<CivilDate>,
    pub sex: Sex,
    pub language: Language,
    pub contact: Contact,
    pub ramq: Option<Ramq>,
    /// Disagreements of the RAMQ number with the record (empty if none or confirmed).
    pub warnings: Vec<RamqWarning>,
}

impl PatientInput {
    /// Validates every field; `today` bounds the birth date. Warnings are returned in the
    /// record; the caller refuses to save them unless `confirm_warnings` is set.
    pub fn check(&self, today: CivilDate) -> Result<ValidPatient, FieldError> {
        let name = PersonName::new(&self.family_name, &self.given_name)?;
        let birth_date = if self.birth_date.trim().is_empty() {
            None
        } else {
            let d = CivilDate::parse(FieldName::BirthDate, &self.birth_date)?;
            if d > today {
                return bad(FieldName::BirthDate, Problem::InFuture);
            }
            Some(d)
        };
        let ramq = if self.ramq.trim().is_empty() {
            None
        } else {
            Some(Ramq::parse(&self.ramq)?)
        };
        let warnings = ramq
            .as_ref()
            .map(|r| r.check(&name, birth_date, Some(self.sex)))
            .unwrap_or_default();
        Ok(ValidPatient {
            clinic: ClinicId(self.clinic),
            mrn: Mrn::parse(&self.mrn)?,
            name,
            birth_date,
            sex: self.sex,
            language: self.language,
            contact: Contact::parse(&self.phone, &self.email, &self.address)?,
            ramq,
            warnings,
        })
    }
}

impl ValidPatient {
    /// The folded text the search matches: names, MRN and RAMQ.
    pub fn search_key(&self) -> String {
        let ramq = self.ramq.as_ref().map(Ramq::as_str).unwrap_or("");
        fold(&format!(
            "{} {} {} {} {}",
            self.name.family, self.name.given, self.name.middle, self.mrn, ramq
        ))
    }
}

/// A patient as shown in lists and on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientView {
    pub id: i64,
    pub clinic: ClinicId,
    pub mrn: String,
    /// Earlier record numbers of this person (merged records), still linked to their studies.
    pub aliases: Vec<String>,
    pub name: PersonName,
    pub birth_date: Option<CivilDate>,
    pub sex: Sex,
    pub language: Language,
    pub contact: Contact,
    /// `ABCD 1234 5678`, or empty.
    pub ramq: String,
    /// RAMQ disagreements the user confirmed when saving.
    pub confirmed_warnings: Vec<RamqWarning>,
    /// Set when this record was merged into another (it is kept, read-only).
    pub merged_into: Option<i64>,
    pub updated_at: i64,
}

/// Filters of the patients list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct PatientQuery {
    pub clinic: Option<i64>,
    /// Name, MRN or RAMQ, accents and case ignored.
    pub text: String,
    /// Also list records merged into others.
    #[serde(default)]
    pub include_merged: bool,
    pub page: u64,
}

/// A patient record proposed for a study or an HL7 message, with why it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientMatch {
    pub patient: PatientView,
    pub by_identifier: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CivilDate {
        CivilDate::new(2026, 12, 7).expect("date")
    }

    fn input() -> PatientInput {
        PatientInput {
            clinic: 1,
            mrn: "0012345".into(),
            family_name: "Tremblay".into(),
            given_name: "Marie-Ève".into(),
            birth_date: "1985-01-15".into(),
            sex: Sex::Female,
            ramq: "TREM 8551 1512".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_patient_and_search_key() {
        let p = input().check(today()).expect("valid");
        assert!(p.warnings.is_empty());
        assert_eq!(p.search_key(), "tremblay marie eve 0012345 trem85511512");
        assert_eq!(p.name.to_dicom(), "Tremblay^Marie-Ève");
    }

    #[test]
    fn errors_name_the_field() {
        let mut i = input();
        i.ramq = "TREM 85".into();
        assert_eq!(i.check(today()).map_err(|e| e.field), Err(FieldName::Ramq));
        let mut i = input();
        i.birth_date = "2027-01-01".into();
        assert_eq!(
            i.check(today()).map_err(|e| e.problem),
            Err(Problem::InFuture)
        );
        let mut i = input();
        i.mrn = "A\\B".into();
        assert_eq!(i.check(today()).map_err(|e| e.field), Err(FieldName::Mrn));
        let mut i = input();
        i.family_name = " ".into();
        assert_eq!(
            i.check(today()).map_err(|e| e.field),
            Err(FieldName::FamilyName)
        );
    }

    #[test]
    fn ramq_mismatch_is_a_warning() {
        let mut i = input();
        i.sex = Sex::Male;
        let p = i.check(today()).expect("still valid");
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn pn_round_trip_keeps_accents() {
        let n = PersonName::from_dicom("CÔTÉ^Hélène^Marie=コテ").expect("pn");
        assert_eq!(n.family, "CÔTÉ");
        assert_eq!(n.given, "Hélène");
        assert_eq!(n.to_dicom(), "CÔTÉ^Hélène^Marie");
        assert_eq!(PersonName::new("Côté", "").expect("n").to_dicom(), "Côté");
        assert!(PersonName::from_dicom("^John").is_err(), "family required");
    }

    #[test]
    fn codes() {
        assert_eq!(Sex::from_code("f"), Sex::Female);
        assert_eq!(Sex::from_code("A"), Sex::Other);
        assert_eq!(Sex::from_code(""), Sex::Unknown);
        assert_eq!(Language::from_code("FRE"), Some(Language::Fr));
        assert_eq!(Language::from_code("fr-CA"), Some(Language::Fr));
        assert_eq!(Language::from_code("English"), Some(Language::En));
        assert_eq!(Language::from_code("ENG"), Some(Language::En));
        assert_eq!(Language::from_code("de"), None);
    }
}
