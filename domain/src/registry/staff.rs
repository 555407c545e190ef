//! Radiologists: CMQ licence, subspecialties, modalities, credentials per clinic, weekly
//! availability in Montreal time, absences, load limit.

use super::procedure::Modality;
use super::{CivilDate, FieldError, FieldName, Problem, bad, clean_text};
use crate::ClinicId;
use serde::{Deserialize, Serialize};

/// A Collège des médecins du Québec permit number: five digits (spaces and dashes ignored).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct CmqLicence(String);

impl CmqLicence {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if v.is_empty() {
            return bad(FieldName::Licence, Problem::Required);
        }
        if v.len() != 5 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return bad(
                FieldName::Licence,
                Problem::BadFormat {
                    expected: "12345".into(),
                },
            );
        }
        Ok(Self(v))
    }
}
string_newtype!(CmqLicence, FieldError);

/// The subspecialties Passerelle assigns by (a fixed vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Subspecialty {
    Neuro,
    Msk,
    Chest,
    Abdominal,
    Breast,
    Pediatric,
    Cardiac,
    Nuclear,
    Interventional,
    EmergencyGeneral,
}

impl Subspecialty {
    pub const ALL: [Subspecialty; 10] = [
        Subspecialty::Neuro,
        Subspecialty::Msk,
        Subspecialty::Chest,
        Subspecialty::Abdominal,
        Subspecialty::Breast,
        Subspecialty::Pediatric,
        Subspecialty::Cardiac,
        Subspecialty::Nuclear,
        Subspecialty::Interventional,
        Subspecialty::EmergencyGeneral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subspecialty::Neuro => "neuro",
            Subspecialty::Msk => "msk",
            Subspecialty::Chest => "chest",
            Subspecialty::Abdominal => "abdominal",
            Subspecialty::Breast => "breast",
            Subspecialty::Pediatric => "pediatric",
            Subspecialty::Cardiac => "cardiac",
            Subspecialty::Nuclear => "nuclear",
            Subspecialty::Interventional => "interventional",
            Subspecialty::EmergencyGeneral => "emergency_general",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    FieldName::Subspecialty,
                    Problem::Unknown {
                        value: raw.to_owned(),
                    },
                )
            })
    }
}

/// ISO day of the week, 1 = Monday … 7 = Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "u8", into = "u8")]
pub struct Weekday(u8);

impl Weekday {
    pub fn new(n: u8) -> Option<Self> {
        (1..=7).contains(&n).then_some(Self(n))
    }
    pub fn number(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Weekday {
    type Error = FieldError;
    fn try_from(n: u8) -> Result<Self, FieldError> {
        Self::new(n).ok_or(FieldError::new(
            FieldName::Availability,
            Problem::OutOfRange { min: 1, max: 7 },
        ))
    }
}

impl From<Weekday> for u8 {
    fn from(w: Weekday) -> u8 {
        w.0
    }
}

/// A weekly time slot in America/Montreal local time: minutes since midnight, start < end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeeklySlot {
    pub weekday: Weekday,
    pub start_minute: u16,
    pub end_minute: u16,
}

/// `HH:MM` (00:00–24:00) as minutes since midnight.
pub fn parse_hhmm(raw: &str) -> Result<u16, FieldError> {
    let shape = || {
        FieldError::new(
            FieldName::Availability,
            Problem::BadFormat {
                expected: "08:30".into(),
            },
        )
    };
    let (h, m) = raw.trim().split_once(':').ok_or_else(shape)?;
    let (h, m): (u16, u16) = (
        h.parse().map_err(|_| shape())?,
        m.parse().map_err(|_| shape())?,
    );
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(shape());
    }
    Ok(h * 60 + m)
}

/// Minutes since midnight as `HH:MM`.
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl WeeklySlot {
    pub fn new(weekday: u8, start: &str, end: &str) -> Result<Self, FieldError> {
        let weekday = Weekday::try_from(weekday)?;
        let (start_minute, end_minute) = (parse_hhmm(start)?, parse_hhmm(end)?);
        if start_minute >= end_minute {
            return bad(
                FieldName::Availability,
                Problem::Conflict {
                    why: "a slot must end after it starts".into(),
                },
            );
        }
        Ok(Self {
            weekday,
            start_minute,
            end_minute,
        })
    }

    /// Whether the slot covers `minute` of `weekday` (end excluded).
    pub fn covers(&self, weekday: u8, minute: u16) -> bool {
        self.weekday.0 == weekday && (self.start_minute..self.end_minute).contains(&minute)
    }
}

/// A period away, whole days from `from` to `to` inclusive, in Montreal time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Absence {
    pub from: CivilDate,
    pub to: CivilDate,
    #[serde(default)]
    pub reason: String,
}

impl Absence {
    pub fn new(from: &str, to: &str, reason: &str) -> Result<Self, FieldError> {
        let from = CivilDate::parse(FieldName::Absences, from)?;
        let to = CivilDate::parse(FieldName::Absences, to)?;
        if to < from {
            return bad(
                FieldName::Absences,
                Problem::Conflict {
                    why: "an absence must end on or after its first day".into(),
                },
            );
        }
        Ok(Self {
            from,
            to,
            reason: clean_text(FieldName::Absences, reason, 200, false)?,
        })
    }
}

/// Where a radiologist may read, until when (`None`: no end date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credential {
    pub clinic: ClinicId,
    pub expires_on: Option<CivilDate>,
}

/// A radiologist's settings as the form and the JSON API send them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RadiologistInput {
    /// The user account (role radiologist) this profile belongs to.
    pub user_id: i64,
    pub licence: String,
    /// `YYYY-MM-DD`.
    pub licence_expiry: String,
    pub subspecialties: Vec<Subspecialty>,
    pub modalities: Vec<String>,
    pub credentials: Vec<Credential>,
    pub availability: Vec<WeeklySlot>,
    pub absences: Vec<Absence>,
    pub max_open_tasks: u32,
    pub active: bool,
}

/// A radiologist's settings, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRadiologist {
    pub user_id: i64,
    pub licence: CmqLicence,
    pub licence_expiry: CivilDate,
    pub subspecialties: Vec<Subspecialty>,
    pub modalities: Vec<Modality>,
    pub credentials: Vec<Credential>,
    pub availability: Vec<WeeklySlot>,
    pub absences: Vec<Absence>,
    pub max_open_tasks: u32,
    pub active: bool,
}

fn no_overlap(slots: &[WeeklySlot]) -> Result<Vec<WeeklySlot>, FieldError> {
    let mut s = slots.to_vec();
    s.sort();
    s.dedup();
    for w in s.windows(2) {
        if w[0].weekday == w[1].weekday && w[1].start_minute < w[0].end_minute {
            return bad(
                FieldName::Availability,
                Problem::Conflict {
                    why: "two slots of the same day overlap".into(),
                },
            );
        }
    }
    Ok(s)
}

impl RadiologistInput {
    pub fn check(&self) -> Result<ValidRadiologist, FieldError> {
        let mut modalities = self
            .modalities
            .iter()
            .filter(|m| !m.trim().is_empty())
            .map(|m| {
                Modality::parse(m).map_err(|e| FieldError::new(FieldName::Modalities, e.problem))
            })
            .collect::<Result<Vec<_>, _>>()?;
        modalities.sort();
        modalities.dedup();
        let mut credentials = self.credentials.clone();
        credentials.sort_by_key(|c| c.clinic);
        credentials.dedup_by_key(|c| c.clinic);
        if !(1..=500).contains(&self.max_open_tasks) {
            return bad(
                FieldName::MaxOpenTasks,
                Problem::OutOfRange { min: 1, max: 500 },
            );
        }
        let mut subspecialties = self.subspecialties.clone();
        subspecialties.sort();
        subspecialties.dedup();
        Ok(ValidRadiologist {
            user_id: self.user_id,
            licence: CmqLicence::parse(&self.licence)?,
            licence_expiry: CivilDate::parse(FieldName::LicenceExpiry, &self.licence_expiry)?,
            subspecialties,
            modalities,
            credentials,
            availability: no_overlap(&self.availability)?,
            absences: self.absences.clone(),
            max_open_tasks: self.max_open_tasks,
            active: self.active,
        })
    }
}

/// A radiologist as listed and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RadiologistView {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub licence: String,
    pub licence_expiry: CivilDate,
    pub subspecialties: Vec<Subspecialty>,
    pub modalities: Vec<String>,
    pub credentials: Vec<Credential>,
    pub availability: Vec<WeeklySlot>,
    pub absences: Vec<Absence>,
    pub max_open_tasks: u32,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn radiologist() -> RadiologistInput {
        RadiologistInput {
            user_id: 3,
            licence: "12 345".into(),
            licence_expiry: "2027-06-30".into(),
            subspecialties: vec![Subspecialty::Neuro, Subspecialty::Neuro],
            modalities: vec!["mr".into(), "CT".into(), "MR".into()],
            credentials: vec![],
            availability: vec![WeeklySlot::new(1, "08:00", "12:00").expect("slot")],
            absences: vec![],
            max_open_tasks: 20,
            active: true,
        }
    }

    #[test]
    fn radiologist_checks() {
        let r = radiologist().check().expect("valid");
        assert_eq!(r.licence.as_str(), "12345");
        assert_eq!(r.subspecialties, vec![Subspecialty::Neuro]);
        assert_eq!(
            r.modalities.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["CT", "MR"]
        );
        let mut bad_licence = radiologist();
        bad_licence.licence = "1234".into();
        assert_eq!(
            bad_licence.check().map_err(|e| e.field),
            Err(FieldName::Licence)
        );
        let mut overlap = radiologist();
        overlap
            .availability
            .push(WeeklySlot::new(1, "11:00", "13:00").expect("slot"));
        assert_eq!(
            overlap.check().map_err(|e| e.field),
            Err(FieldName::Availability)
        );
        let mut load = radiologist();
        load.max_open_tasks = 0;
        assert!(load.check().is_err());
    }

    #[test]
    fn slots_and_absences() {
        assert!(WeeklySlot::new(8, "08:00", "09:00").is_err());
        assert!(WeeklySlot::new(1, "09:00", "08:00").is_err());
        assert!(WeeklySlot::new(1, "8h00", "09:00").is_err());
        let s = WeeklySlot::new(5, "16:00", "24:00").expect("slot");
        assert!(s.covers(5, 23 * 60 + 59));
        assert!(!s.covers(5, 15 * 60));
        assert_eq!(hhmm(s.end_minute), "24:00");
        assert!(Absence::new("2026-12-24", "2026-12-20", "").is_err());
        assert!(Absence::new("2026-12-20", "2026-12-24", "Congé").is_ok());
        assert_eq!(Subspecialty::parse("msk"), Ok(Subspecialty::Msk));
        assert!(Subspecialty::parse("ortho").is_err());
    }
}
