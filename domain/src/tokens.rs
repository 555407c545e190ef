//! DICOMweb access tokens as the UI and the API show them, and what creating one asks for.
//! The secret is shown once, at creation; only its hash is kept.

use serde::{Deserialize, Serialize};

/// A token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The user it acts for (their clinics and activity also bound it), or none for an
    /// application.
    pub user_id: Option<i64>,
    pub clinics: Vec<i64>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub revoked: bool,
    /// Past its expiry when it was read.
    #[serde(default)]
    pub expired: bool,
    pub last_used_at_ms: Option<i64>,
    /// May also upload (STOW-RS); otherwise it only searches and reads.
    #[serde(default)]
    pub can_store: bool,
}

/// A token to issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInput {
    pub name: String,
    #[serde(default)]
    pub user_id: Option<i64>,
    pub clinics: Vec<i64>,
    /// Days until it expires; none: until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Also allow uploads (STOW-RS); a token reads only unless asked.
    #[serde(default)]
    pub can_store: bool,
}

/// A token just issued: the secret, to be copied now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub token: TokenView,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("a token needs a name of 1 to 64 characters")]
    Name,
    #[error("a token is scoped to at least one clinic")]
    NoClinic,
    #[error("expiry must be between 1 and 3650 days")]
    Expiry,
}

impl TokenInput {
    pub fn validate(&self) -> Result<(), TokenError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 64 || self.name.chars().any(char::is_control) {
            return Err(TokenError::Name);
        }
        if self.clinics.is_empty() {
            return Err(TokenError::NoClinic);
        }
        if self.expires_in_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(TokenError::Expiry);
        }
        Ok(())
    }
}

/// Splits a presented token `pst_<id>_<secret>` into its id and secret.
pub fn split(presented: &str) -> Option<(i64, &str)> {
    let rest = presented.strip_prefix("pst_")?;
    let (id, secret) = rest.split_once('_')?;
    let id: i64 = id.parse().ok()?;
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_format() {
        let ok = TokenInput {
            name: "OHIF".into(),
            user_id: None,
            clinics: vec![1],
            expires_in_days: Some(30),
            can_store: false,
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(
            TokenInput {
                clinics: vec![],
                ..ok.clone()
            }
            .validate(),
            Err(TokenError::NoClinic)
        );
        assert_eq!(
            TokenInput {
                name: " ".into(),
                ..ok.clone()
            }
            .validate(),
            Err(TokenError::Name)
        );
        assert_eq!(
            TokenInput {
                expires_in_days: Some(0),
                ..ok
            }
            .validate(),
            Err(TokenError::Expiry)
        );
        let secret = "a".repeat(64);
        assert_eq!(
            split(&format!("pst_12_{secret}")),
            Some((12, secret.as_str()))
        );
        assert_eq!(split("pst_x_abc"), None);
        assert_eq!(split(&format!("Bearer pst_1_{secret}")), None);
    }
}
