//! DICOM identifiers validated once: application entity titles (PS3.5 §6.2, VR AE).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AeTitleError {
    #[error("AE title must not be empty")]
    Empty,
    #[error("AE title must be at most 16 characters")]
    TooLong,
    #[error("AE title contains a character that is not allowed: {0:?}")]
    BadCharacter(char),
}

/// An application entity title: 1–16 characters of the default repertoire (printable ASCII),
/// no backslash, no control characters; leading and trailing spaces are not significant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AeTitle(String);

impl AeTitle {
    pub fn parse(raw: &str) -> Result<Self, AeTitleError> {
        let v = raw.trim_matches(' ');
        if v.is_empty() {
            return Err(AeTitleError::Empty);
        }
        if let Some(c) = v.chars().find(|c| !(' '..='~').contains(c) || *c == '\\') {
            return Err(AeTitleError::BadCharacter(c));
        }
        if v.len() > 16 {
            return Err(AeTitleError::TooLong);
        }
        Ok(Self(v.to_owned()))
    }
}

string_newtype!(AeTitle, AeTitleError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ae_titles() {
        assert_eq!(
            AeTitle::parse(" PASSERELLE ").map(String::from),
            Ok("PASSERELLE".into())
        );
        assert_eq!(
            AeTitle::parse("ORTHANC").map(|a| a.to_string()),
            Ok("ORTHANC".into())
        );
        assert_eq!(AeTitle::parse("    "), Err(AeTitleError::Empty));
        assert_eq!(
            AeTitle::parse("A\\B"),
            Err(AeTitleError::BadCharacter('\\'))
        );
        assert_eq!(
            AeTitle::parse("A\tB"),
            Err(AeTitleError::BadCharacter('\t'))
        );
        assert_eq!(AeTitle::parse("É"), Err(AeTitleError::BadCharacter('É')));
        assert_eq!(
            AeTitle::parse("ABCDEFGHIJKLMNOPQ"),
            Err(AeTitleError::TooLong)
        );
        assert!(AeTitle::parse("ABCDEFGHIJKLMNOP").is_ok());
    }
}
