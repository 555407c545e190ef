//! Forward destinations: a remote node reached by C-STORE or STOW-RS, with its limits and
//! retry policy. Shared by the server (repository, workers) and the browser (editor).

use crate::forward::RetryPolicy;
use crate::network::Jurisdiction;
use crate::routing::PiaRecord;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("a destination name is 1 to 64 letters, digits, spaces, '-', '_' or '.'")]
    BadName,
    #[error("a STOW-RS destination needs an http:// or https:// base URL")]
    BadUrl,
    #[error("concurrency must be between 1 and 16")]
    BadConcurrency,
    #[error("the timeout must be between 1 and 600 seconds")]
    BadTimeout,
    #[error("retry policy: {0}")]
    BadRetry(String),
    #[error("basic authentication needs a user name")]
    MissingUser,
}

impl DestinationError {
    /// A stable code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadName => "bad_name",
            Self::BadUrl => "bad_url",
            Self::BadConcurrency => "bad_concurrency",
            Self::BadTimeout => "bad_timeout",
            Self::BadRetry(_) => "bad_retry",
            Self::MissingUser => "missing_user",
        }
    }
}

/// The stable name rules refer to a destination by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DestinationName(String);

impl DestinationName {
    pub fn parse(raw: &str) -> Result<Self, DestinationError> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.chars().count() <= 64
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DestinationError::BadName)
        }
    }
}
string_newtype!(DestinationName, DestinationError);

/// How instances reach the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// DIMSE C-STORE to the node's AE title, host and port.
    #[default]
    Dimse,
    /// DICOMweb STOW-RS to a base URL.
    Stow,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dimse => "dimse",
            Self::Stow => "stow",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dimse" => Some(Self::Dimse),
            "stow" => Some(Self::Stow),
            _ => None,
        }
    }
}

/// HTTP authentication of a STOW-RS destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    #[default]
    None,
    Basic,
    Bearer,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Basic => "basic",
            Self::Bearer => "bearer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "basic" => Some(Self::Basic),
            "bearer" => Some(Self::Bearer),
            _ => None,
        }
    }
}

/// What an administrator edits. `secret: None` keeps the stored secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationInput {
    pub name: DestinationName,
    pub node_id: i64,
    pub transport: Transport,
    #[serde(default)]
    pub stow_url: String,
    #[serde(default)]
    pub auth: AuthKind,
    #[serde(default)]
    pub auth_user: String,
    #[serde(default)]
    pub secret: Option<String>,
    pub enabled: bool,
    pub max_concurrency: u32,
    pub retry: RetryPolicy,
    pub timeout_seconds: u32,
}

impl DestinationInput {
    /// Checks what the types cannot.
    pub fn validate(&self) -> Result<(), DestinationError> {
        if self.transport == Transport::Stow {
            let u = self.stow_url.trim();
            let ok = (u.starts_with("http://") || u.starts_with("https://"))
                && u.len() > "https://".len()
                && !u.chars().any(char::is_whitespace);
            if !ok {
                return Err(DestinationError::BadUrl);
            }
            if self.auth == AuthKind::Basic && self.auth_user.trim().is_empty() {
                return Err(DestinationError::MissingUser);
            }
        }
        if !(1..=16).contains(&self.max_concurrency) {
            return Err(DestinationError::BadConcurrency);
        }
        if !(1..=600).contains(&self.timeout_seconds) {
            return Err(DestinationError::BadTimeout);
        }
        self.retry
            .validate()
            .map_err(|e| DestinationError::BadRetry(e.to_string()))
    }
}

/// A destination as shown to administrators (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationView {
    pub id: i64,
    pub name: DestinationName,
    pub node_id: i64,
    pub node_name: String,
    pub node_ae: String,
    pub jurisdiction: Jurisdiction,
    pub transport: Transport,
    pub stow_url: String,
    pub auth: AuthKind,
    pub auth_user: String,
    pub has_secret: bool,
    pub enabled: bool,
    pub paused: bool,
    pub max_concurrency: u32,
    pub retry: RetryPolicy,
    pub timeout_seconds: u32,
    pub pia: Option<PiaRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DestinationInput {
        DestinationInput {
            name: DestinationName::parse("VNA Montréal").expect("name"),
            node_id: 1,
            transport: Transport::Stow,
            stow_url: "http://127.0.0.1:8042/dicom-web".into(),
            auth: AuthKind::None,
            auth_user: String::new(),
            secret: None,
            enabled: true,
            max_concurrency: 2,
            retry: RetryPolicy::default(),
            timeout_seconds: 30,
        }
    }

    #[test]
    fn names() {
        assert!(DestinationName::parse("vna-1.main_site").is_ok());
        assert_eq!(DestinationName::parse(""), Err(DestinationError::BadName));
        assert_eq!(
            DestinationName::parse("a/b"),
            Err(DestinationError::BadName)
        );
        assert!(DestinationName::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn validation() {
        assert_eq!(input().validate(), Ok(()));
        let mut i = input();
        i.stow_url = "ftp://x".into();
        assert_eq!(i.validate(), Err(DestinationError::BadUrl));
        let mut i = input();
        i.auth = AuthKind::Basic;
        assert_eq!(i.validate(), Err(DestinationError::MissingUser));
        let mut i = input();
        i.max_concurrency = 0;
        assert_eq!(i.validate(), Err(DestinationError::BadConcurrency));
        let mut i = input();
        i.transport = Transport::Dimse;
        i.stow_url.clear();
        assert_eq!(i.validate(), Ok(()));
    }
}
