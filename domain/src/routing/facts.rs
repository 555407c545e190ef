//! What a routing rule can look at: the facts the server extracts from one received instance
//! (or series), and pure helpers to fill them (requested priority, patient age in years).

use super::model::Field;
use serde::{Deserialize, Serialize};

/// Requested Procedure Priority (0040,1003), PS3.3 defined terms. Serialized in lower case
/// (`"stat"`); the DICOM upper-case spelling is accepted when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[serde(alias = "STAT")]
    Stat,
    #[serde(alias = "HIGH")]
    High,
    #[serde(alias = "ROUTINE")]
    Routine,
    #[serde(alias = "MEDIUM")]
    Medium,
    #[serde(alias = "LOW")]
    Low,
}

impl Priority {
    pub const ALL: &'static [Priority] = &[
        Priority::Stat,
        Priority::High,
        Priority::Routine,
        Priority::Medium,
        Priority::Low,
    ];

    /// The DICOM defined term (`STAT`, `HIGH`, …).
    pub fn dicom_term(self) -> &'static str {
        match self {
            Priority::Stat => "STAT",
            Priority::High => "HIGH",
            Priority::Routine => "ROUTINE",
            Priority::Medium => "MEDIUM",
            Priority::Low => "LOW",
        }
    }

    /// A DICOM defined term, trimmed and case-insensitive; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Priority> {
        let raw = raw.trim();
        Priority::ALL
            .iter()
            .copied()
            .find(|p| p.dicom_term().eq_ignore_ascii_case(raw))
    }
}

/// The routing facts of one instance. Text fields hold the attribute value as received (the
/// evaluator trims and ignores case); an empty string means absent. Every field defaults, so
/// facts stored by an older version still deserialize.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Modality (0008,0060); may be multi-valued with `\` (as ModalitiesInStudy).
    pub modality: String,
    /// SOP Class UID (0008,0016).
    pub sop_class_uid: String,
    /// Body Part Examined (0018,0015).
    pub body_part: String,
    /// Study Description (0008,1030).
    pub study_description: String,
    /// Institution Name (0008,0080).
    pub institution: String,
    /// Institutional Department Name (0008,1040), or Current Patient Location (0038,0300)
    /// when that is empty: see [`department`].
    pub department: String,
    /// AE title of the sender.
    pub calling_ae: String,
    /// Local AE title that received the instance.
    pub called_ae: String,
    /// Code of the clinic that owns the receiving AE title.
    pub clinic: String,
    /// Requested Procedure Priority (0040,1003), see [`Priority::parse`].
    pub priority: Option<Priority>,
    /// Referring Physician's Name (0008,0090), as received (PN with `^`).
    pub referring_physician: String,
    /// Whole years, see [`age_years`].
    pub patient_age_years: Option<u32>,
    /// Local time of reception, minutes since midnight (0..1440).
    pub minute_of_day: Option<u16>,
}

impl Facts {
    /// The text a [`Field`] designates.
    pub fn text(&self, field: Field) -> &str {
        match field {
            Field::Modality => &self.modality,
            Field::SopClass => &self.sop_class_uid,
            Field::BodyPart => &self.body_part,
            Field::StudyDescription => &self.study_description,
            Field::Institution => &self.institution,
            Field::Department => &self.department,
            Field::CallingAe => &self.calling_ae,
            Field::CalledAe => &self.called_ae,
            Field::Clinic => &self.clinic,
            Field::ReferringPhysician => &self.referring_physician,
        }
    }
}

/// The department fact: Institutional Department Name, or Current Patient Location when the
/// former is blank. Trimmed.
pub fn department(institutional_department: &str, current_patient_location: &str) -> String {
    let dept = institutional_department.trim();
    if dept.is_empty() {
        current_patient_location.trim().to_owned()
    } else {
        dept.to_owned()
    }
}

/// Patient age in whole years: from Patient's Age (0010,1010) when it is a valid AS value
/// (`nnnD`, `nnnW`, `nnnM`, `nnnY`, PS3.5 §6.2; one to three digits are accepted), else from
/// Patient's Birth Date and Study Date (DA, `YYYYMMDD`; the old `YYYY.MM.DD` form too).
/// `None` when neither gives an answer (or the study precedes the birth).
pub fn age_years(patient_age: &str, birth_date: &str, study_date: &str) -> Option<u32> {
    parse_age_string(patient_age).or_else(|| {
        let birth = parse_da(birth_date)?;
        let study = parse_da(study_date)?;
        years_between(birth, study)
    })
}

fn parse_age_string(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    let split = raw.len().checked_sub(1)?;
    let (digits, unit) = raw.split_at_checked(split)?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    match unit {
        "Y" | "y" => Some(n),
        "M" | "m" => Some(n / 12),
        "W" | "w" => Some(n * 7 / 365),
        "D" | "d" => Some(n / 365),
        _ => None,
    }
}

/// A DA value as (year, month, day), validated against the calendar.
fn parse_da(raw: &str) -> Option<(u32, u32, u32)> {
    let raw = raw.trim();
    let compact: String;
    let raw = if raw.len() == 10 && raw.as_bytes().get(4) == Some(&b'.') {
        compact = raw.replace('.', "");
        compact.as_str()
    } else {
        raw
    };
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        raw[..4].parse().ok()?,
        raw[4..6].parse().ok()?,
        raw[6..].parse().ok()?,
    );
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn years_between(birth: (u32, u32, u32), at: (u32, u32, u32)) -> Option<u32> {
    let full = at.0.checked_sub(birth.0)?;
    if (at.1, at.2) < (birth.1, birth.2) {
        full.checked_sub(1)
    } else {
        Some(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities() {
        for (raw, expected) in [
            ("STAT", Some(Priority::Stat)),
            (" stat ", Some(Priority::Stat)),
            ("High", Some(Priority::High)),
            ("ROUTINE", Some(Priority::Routine)),
            ("medium", Some(Priority::Medium)),
            ("LOW ", Some(Priority::Low)),
            ("URGENT", None),
            ("", None),
        ] {
            assert_eq!(Priority::parse(raw), expected, "{raw:?}");
        }
        let parsed: Vec<Priority> = serde_json::from_str(r#"["stat","HIGH"]"#).expect("json");
        assert_eq!(parsed, [Priority::Stat, Priority::High]);
        assert_eq!(
            serde_json::to_string(&Priority::Routine).expect("json"),
            r#""routine""#
        );
    }

    #[test]
    fn ages() {
        for (age, birth, study, expected) in [
            ("045Y", "", "", Some(45)),
            ("045Y ", "19000101", "20240101", Some(45)),
            ("018M", "", "", Some(1)),
            ("011M", "", "", Some(0)),
            ("104W", "", "", Some(1)),
            ("400D", "", "", Some(1)),
            ("45y", "", "", Some(45)),
            ("", "19800615", "20240614", Some(43)),
            ("", "19800615", "20240615", Some(44)),
            ("bad", "19800615", "20240616", Some(44)),
            ("", "1980.06.15", "2024.06.15", Some(44)),
            ("", "20000229", "20230228", Some(22)),
            ("", "20000229", "20230301", Some(23)),
            ("", "20240101", "20230101", None),
            ("", "20230230", "20240101", None),
            ("", "19800615", "", None),
            ("", "", "", None),
            ("1000Y", "", "", None),
            ("Y", "", "", None),
            ("04ÉY", "", "", None),
        ] {
            assert_eq!(
                age_years(age, birth, study),
                expected,
                "{age:?} {birth:?} {study:?}"
            );
        }
    }

    #[test]
    fn department_falls_back_to_location() {
        assert_eq!(department(" CARDIO ", "ROOM 3"), "CARDIO");
        assert_eq!(department("  ", " ROOM 3 "), "ROOM 3");
        assert_eq!(department("", ""), "");
    }

    #[test]
    fn facts_read_with_missing_fields() {
        let f: Facts = serde_json::from_str(r#"{"modality":"CT"}"#).expect("json");
        assert_eq!(f.text(Field::Modality), "CT");
        assert_eq!(f.priority, None);
    }
}
