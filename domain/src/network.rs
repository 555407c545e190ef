//! The DICOM network model: remote node roles, jurisdictions, who may call a local AE title,
//! and validated host names and ports.

use crate::dicom::AeTitle;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("port must be between 1 and 65535")]
    Port,
    #[error("host must be a host name or an IP address")]
    Host,
    #[error("unknown value {0:?}")]
    Unknown(String),
}

macro_rules! str_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl std::str::FromStr for $name {
            type Err = NetworkError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($s => Ok($name::$variant),)+ other => Err(NetworkError::Unknown(other.to_owned())) }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

/// What a remote node is to Passerelle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    Pacs,
    Vna,
    Modality,
    Viewer,
}
str_enum!(NodeRole { Pacs => "pacs", Vna => "vna", Modality => "modality", Viewer => "viewer" });

/// Where a node keeps data (Law 25: transfers outside Quebec need a privacy-impact assessment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    Quebec,
    CanadaOutsideQuebec,
    OutsideCanada,
}
str_enum!(Jurisdiction {
    Quebec => "quebec",
    CanadaOutsideQuebec => "canada_outside_quebec",
    OutsideCanada => "outside_canada",
});

/// Which calling AE titles a local AE title accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerPolicy {
    /// Any caller.
    Any,
    /// Any remote node configured for the AE's clinic.
    KnownNodes,
    /// Only the listed AE titles.
    Listed,
}
str_enum!(CallerPolicy { Any => "any", KnownNodes => "known_nodes", Listed => "listed" });

impl CallerPolicy {
    /// Whether `calling` may open an association with a local AE under this policy.
    pub fn admits(
        self,
        calling: &AeTitle,
        listed: &[AeTitle],
        is_known: impl Fn(&AeTitle) -> bool,
    ) -> bool {
        match self {
            CallerPolicy::Any => true,
            CallerPolicy::KnownNodes => is_known(calling),
            CallerPolicy::Listed => listed.contains(calling),
        }
    }
}

/// A TCP port, 1–65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Port(u16);

impl Port {
    pub fn new(n: u32) -> Result<Self, NetworkError> {
        match u16::try_from(n) {
            Ok(p) if p > 0 => Ok(Port(p)),
            _ => Err(NetworkError::Port),
        }
    }
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<u32> for Port {
    type Error = NetworkError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Port::new(n)
    }
}

impl From<Port> for u32 {
    fn from(p: Port) -> u32 {
        u32::from(p.0)
    }
}

/// A host name (RFC 1123 labels) or an IPv4 / IPv6 address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Host(String);

impl Host {
    pub fn parse(raw: &str) -> Result<Self, NetworkError> {
        let v = raw.trim().to_ascii_lowercase();
        if v.parse::<std::net::IpAddr>().is_ok() {
            return Ok(Host(v));
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if v.is_empty() || v.len() > 253 || !v.split('.').all(label_ok) {
            return Err(NetworkError::Host);
        }
        Ok(Host(v))
    }
}

string_newtype!(Host, NetworkError);

#[cfg(test)]
mod tests {
    use super::*;

    fn ae(s: &str) -> AeTitle {
        AeTitle::parse(s).expect("ae")
    }

    #[test]
    fn caller_policies() {
        let listed = [ae("CT1"), ae("MR1")];
        let known = |a: &AeTitle| a.as_str() == "PACS";
        assert!(CallerPolicy::Any.admits(&ae("WHOEVER"), &[], known));
        assert!(CallerPolicy::KnownNodes.admits(&ae("PACS"), &[], known));
        assert!(!CallerPolicy::KnownNodes.admits(&ae("CT1"), &listed, known));
        assert!(CallerPolicy::Listed.admits(&ae("MR1"), &listed, known));
        assert!(!CallerPolicy::Listed.admits(&ae("PACS"), &listed, known));
    }

    #[test]
    fn ports_and_hosts() {
        assert!(Port::new(0).is_err());
        assert!(Port::new(65536).is_err());
        assert_eq!(Port::new(104).map(Port::get), Ok(104));
        assert!(Host::parse("127.0.0.1").is_ok());
        assert!(Host::parse("::1").is_ok());
        assert_eq!(
            Host::parse("PACS.Clinique.qc.ca").map(String::from),
            Ok("pacs.clinique.qc.ca".into())
        );
        assert!(Host::parse("bad host").is_err());
        assert!(Host::parse("-x.example").is_err());
        assert!(Host::parse("").is_err());
    }

    #[test]
    fn enums_round_trip() {
        for j in Jurisdiction::ALL {
            assert_eq!(j.as_str().parse::<Jurisdiction>(), Ok(*j));
        }
        for r in NodeRole::ALL {
            assert_eq!(r.as_str().parse::<NodeRole>(), Ok(*r));
        }
        assert!("mars".parse::<Jurisdiction>().is_err());
    }
}
