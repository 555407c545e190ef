//! Ways to reach a person: phone numbers and email addresses, checked for shape only.

use super::{FieldError, FieldName, Problem, bad, clean_text};
use serde::{Deserialize, Serialize};

/// A phone number as people write it (`514-555-0101`, `+1 (514) 555-0101 poste 22`): digits
/// with `+ ( ) - . space`, an extension after `x`, `ext` or `poste`; 7 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = clean_text(FieldName::Phone, raw, 40, false)?;
        let lower = v.to_lowercase();
        let main = ["poste", "ext", "x"]
            .iter()
            .find_map(|k| lower.split_once(k).map(|(a, _)| a.to_owned()))
            .unwrap_or_else(|| lower.clone());
        let digits = main.chars().filter(char::is_ascii_digit).count();
        let shape_ok = main
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | ' '));
        if !shape_ok || !(7..=15).contains(&digits) {
            return bad(
                FieldName::Phone,
                Problem::BadFormat {
                    expected: "514-555-0101".into(),
                },
            );
        }
        Ok(Self(v))
    }
}
string_newtype!(Phone, FieldError);

/// An email address: one `@`, a local part and a domain with a dot, no spaces; at most 254.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v = clean_text(FieldName::Email, raw, 254, false)?;
        let ok = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.contains(char::is_whitespace)
            }
            None => false,
        };
        if !ok {
            return bad(
                FieldName::Email,
                Problem::BadFormat {
                    expected: "nom@exemple.qc.ca".into(),
                },
            );
        }
        Ok(Self(v))
    }
}
string_newtype!(Email, FieldError);

/// How to reach a patient: every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    /// One line, as written (street, city, postal code).
    pub address: String,
}

impl Contact {
    /// From the form's three texts (empty ones are absent).
    pub fn parse(phone: &str, email: &str, address: &str) -> Result<Self, FieldError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        Ok(Self {
            phone: opt(phone).map(|p| Phone::parse(&p)).transpose()?,
            email: opt(email).map(|e| Email::parse(&e)).transpose()?,
            address: clean_text(FieldName::Address, address, 200, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(Phone::parse("514-555-0101").is_ok());
        assert!(Phone::parse("+1 (514) 555-0101 poste 22").is_ok());
        assert!(Phone::parse("555 01").is_err());
        assert!(Phone::parse("call me").is_err());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("dre.gagnon@clinique.qc.ca").is_ok());
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse("a b@c.ca").is_err());
        assert!(Email::parse("@c.ca").is_err());
        assert!(Email::parse("a@@c.ca").is_err());
    }

    #[test]
    fn contact_parts_are_optional() {
        let c = Contact::parse("", " ", "").expect("empty");
        assert_eq!(c, Contact::default());
        assert!(Contact::parse("x", "", "").is_err());
    }
}
