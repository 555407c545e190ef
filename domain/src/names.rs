//! Validated newtypes for names typed by people: user names, display names, clinic codes and names,
//! and the password policy for new passwords.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused. The message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} must be at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} must be at least {min} characters")]
    TooShort { field: &'static str, min: usize },
    #[error("{field} contains a character that is not allowed: {found:?}")]
    BadCharacter { field: &'static str, found: char },
}

fn check_len(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), NameError> {
    let n = value.chars().count();
    if n == 0 {
        return Err(NameError::Empty { field });
    }
    if n < min {
        return Err(NameError::TooShort { field, min });
    }
    if n > max {
        return Err(NameError::TooLong { field, max });
    }
    Ok(())
}

/// A login name: 2–64 characters among `a-z 0-9 . _ -`, case-insensitive (kept lower-case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let v = raw.trim().to_lowercase();
        check_len("user name", &v, 2, 64)?;
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(NameError::BadCharacter {
                field: "user name",
                found: c,
            });
        }
        Ok(Self(v))
    }
}
string_newtype!(Username, NameError);

fn printable(field: &'static str, v: &str) -> Result<(), NameError> {
    match v.chars().find(|c| c.is_control()) {
        Some(c) => Err(NameError::BadCharacter { field, found: c }),
        None => Ok(()),
    }
}

/// A person's name as shown in the UI: 1–128 printable characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let v = raw.trim();
        check_len("display name", v, 1, 128)?;
        printable("display name", v)?;
        Ok(Self(v.to_owned()))
    }
}
string_newtype!(DisplayName, NameError);

/// A clinic's full name: 1–128 printable characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClinicName(String);

impl ClinicName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let v = raw.trim();
        check_len("clinic name", v, 1, 128)?;
        printable("clinic name", v)?;
        Ok(Self(v.to_owned()))
    }
}
string_newtype!(ClinicName, NameError);

/// A clinic's short code (used in reports and AE configuration): 2–16 of `A-Z 0-9 -`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClinicCode(String);

impl ClinicCode {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let v = raw.trim().to_uppercase();
        check_len("clinic code", &v, 2, 16)?;
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(NameError::BadCharacter {
                field: "clinic code",
                found: c,
            });
        }
        Ok(Self(v))
    }
}
string_newtype!(ClinicCode, NameError);

/// A new password that satisfies the policy (OWASP ASVS 2.1: 12–128 characters, no composition
/// rules, no control characters). Never serialised back.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 12;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        check_len("password", raw, Self::MIN, Self::MAX)?;
        printable("password", raw)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_is_lowercased_and_restricted() {
        assert_eq!(
            Username::parse(" Admin ").map(String::from),
            Ok("admin".into())
        );
        assert!(matches!(
            Username::parse("a b"),
            Err(NameError::BadCharacter { found: ' ', .. })
        ));
        assert!(matches!(
            Username::parse("a"),
            Err(NameError::TooShort { .. })
        ));
        assert!(matches!(Username::parse(""), Err(NameError::Empty { .. })));
        assert!(Username::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn clinic_code_is_uppercased() {
        assert_eq!(
            ClinicCode::parse("mtl-1").map(String::from),
            Ok("MTL-1".into())
        );
        assert!(ClinicCode::parse("MTL_1").is_err());
    }

    #[test]
    fn display_and_clinic_names_reject_control_characters() {
        assert!(
            DisplayName::parse("Dre Gagnon\n").is_ok(),
            "trailing newline is trimmed"
        );
        assert!(DisplayName::parse("Dre\u{7}Gagnon").is_err());
        assert!(ClinicName::parse("Clinique Saint-Laurent").is_ok());
        assert!(ClinicName::parse("   ").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse(&"p".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery")),
            "Ok(NewPassword(***))"
        );
    }

    #[test]
    fn serde_validates() {
        let bad: Result<Username, _> = serde_json::from_str("\"no spaces\"");
        assert!(bad.is_err());
        let ok: Username = serde_json::from_str("\"Radio.1\"").expect("valid");
        assert_eq!(ok.as_str(), "radio.1");
    }
}
