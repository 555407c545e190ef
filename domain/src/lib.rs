//! Passerelle's pure domain: validated newtypes, roles and permissions, tenancy scopes, shared views,
//! routing rules and the store-and-forward policy.
//!
//! No IO lives here; the crate builds for `wasm32-unknown-unknown` so the browser validates forms
//! with the same code the server runs.

/// Accessors and conversions of a validated string newtype `$name(String)` whose `parse`
/// returns `Result<Self, $err>`: `as_str`, `Display`, `FromStr`, `TryFrom<String>` (serde) and
/// `From<$name> for String`.
macro_rules! string_newtype {
    ($name:ident, $err:ty) => {
        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $name {
            type Error = $err;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
        impl std::str::FromStr for $name {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

pub mod commitment;
pub mod completeness;
pub mod destination;
pub mod dicom;
pub mod forward;
pub mod hl7;
pub mod mpps;
pub mod names;
pub mod network;
pub mod orders;
pub mod query;
pub mod registry;
pub mod role;
pub mod routing;
pub mod scope;
pub mod tokens;
pub mod transfers;
pub mod views;
pub mod worklist;

pub use dicom::{AeTitle, AeTitleError};
pub use forward::{Failure, ForwardError, JobState, RetryPolicy, Verdict};
pub use names::{ClinicCode, ClinicName, DisplayName, NameError, NewPassword, Username};
pub use network::{CallerPolicy, Host, Jurisdiction, NetworkError, NodeRole, Port};
pub use role::{Permission, Role};
pub use routing::{
    Action, Compiled, Condition, Facts, Field, PiaRecord, PreviewRow, Priority, ResidencyError,
    Route, Rule, RuleError, RuleSet, StudySample,
};
pub use scope::{ClinicId, Scope, UserId};
