//! Referring physicians: licence, clinics, contacts, notification preferences (in-app, email,
//! and the channel for urgent results), an optional user account.

use super::contact::{Email, Phone};
use super::{FieldError, FieldName, PersonName, Problem, bad};
use crate::ClinicId;
use serde::{Deserialize, Serialize};

/// The channel a critical result reaches a referring physician on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UrgentChannel {
    #[default]
    Phone,
    Email,
    InApp,
}

impl UrgentChannel {
    pub const ALL: [UrgentChannel; 3] = [
        UrgentChannel::Phone,
        UrgentChannel::Email,
        UrgentChannel::InApp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UrgentChannel::Phone => "phone",
            UrgentChannel::Email => "email",
            UrgentChannel::InApp => "in_app",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// How a referring physician wants reports and urgent results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifyPrefs {
    pub in_app: bool,
    pub email: bool,
    pub urgent: UrgentChannel,
}

impl Default for NotifyPrefs {
    fn default() -> Self {
        Self {
            in_app: true,
            email: false,
            urgent: UrgentChannel::Phone,
        }
    }
}

/// A referring physician as the form and the JSON API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhysicianInput {
    pub family_name: String,
    pub given_name: String,
    /// Licence (permit) number: 1–20 of `A-Z 0-9 -`; the key HL7 messages name them by.
    pub licence: String,
    pub clinics: Vec<i64>,
    pub email: String,
    pub phone: String,
    /// A second number for urgent results (cell, pager, office).
    pub phone2: String,
    pub notify: NotifyPrefs,
    pub user_id: Option<i64>,
    pub active: bool,
}

/// A referring physician, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPhysician {
    pub name: PersonName,
    pub licence: String,
    pub clinics: Vec<ClinicId>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub phone2: Option<Phone>,
    pub notify: NotifyPrefs,
    pub user_id: Option<i64>,
    pub active: bool,
}

/// A practitioner licence number of any order (CMQ, OIIQ…): 1–20 of `A-Z 0-9 -`, upper-cased.
pub fn licence_number(raw: &str) -> Result<String, FieldError> {
    let v = raw.trim().to_uppercase();
    if v.is_empty() {
        return bad(FieldName::Licence, Problem::Required);
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return bad(FieldName::Licence, Problem::BadCharacter { found: c });
    }
    if v.len() > 20 {
        return bad(FieldName::Licence, Problem::TooLong { max: 20 });
    }
    Ok(v)
}

impl PhysicianInput {
    pub fn check(&self) -> Result<ValidPhysician, FieldError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        let mut clinics: Vec<ClinicId> = self.clinics.iter().map(|c| ClinicId(*c)).collect();
        clinics.sort();
        clinics.dedup();
        if clinics.is_empty() {
            return bad(FieldName::Clinic, Problem::Required);
        }
        let v = ValidPhysician {
            name: PersonName::new(&self.family_name, &self.given_name)?,
            licence: licence_number(&self.licence)?,
            clinics,
            email: opt(&self.email).map(|e| Email::parse(&e)).transpose()?,
            phone: opt(&self.phone).map(|p| Phone::parse(&p)).transpose()?,
            phone2: opt(&self.phone2).map(|p| Phone::parse(&p)).transpose()?,
            notify: self.notify,
            user_id: self.user_id,
            active: self.active,
        };
        let reachable = match v.notify.urgent {
            UrgentChannel::Phone => v.phone.is_some() || v.phone2.is_some(),
            UrgentChannel::Email => v.email.is_some(),
            UrgentChannel::InApp => v.user_id.is_some(),
        };
        if !reachable {
            return bad(
                FieldName::UrgentChannel,
                Problem::Conflict {
                    why: "the channel for urgent results needs its contact (a phone, an email, or a user account)".into(),
                },
            );
        }
        if v.notify.email && v.email.is_none() {
            return bad(FieldName::Email, Problem::Required);
        }
        Ok(v)
    }
}

/// A referring physician as listed and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhysicianView {
    pub id: i64,
    pub name: PersonName,
    pub licence: String,
    pub clinics: Vec<ClinicId>,
    pub email: String,
    pub phone: String,
    pub phone2: String,
    pub notify: NotifyPrefs,
    pub user_id: Option<i64>,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physician_needs_a_channel_for_urgent_results() {
        let mut p = PhysicianInput {
            family_name: "Gagnon".into(),
            given_name: "Luc".into(),
            licence: "98765".into(),
            clinics: vec![1],
            ..Default::default()
        };
        assert_eq!(
            p.check().map_err(|e| e.field),
            Err(FieldName::UrgentChannel)
        );
        p.phone = "514-555-0101".into();
        assert!(p.check().is_ok());
        p.notify.email = true;
        assert_eq!(p.check().map_err(|e| e.field), Err(FieldName::Email));
        p.clinics.clear();
        assert_eq!(p.check().map_err(|e| e.field), Err(FieldName::Clinic));
        assert!(licence_number("ab-12").is_ok());
        assert!(licence_number("ab 12").is_err());
    }
}
