//! Passerelle's pure domain: validated newtypes, roles and permissions, tenancy scopes, shared views.
//!
//! No IO lives here; the crate builds for `wasm32-unknown-unknown` so the browser validates forms
//! with the same code the server runs.

pub mod dicom;
pub mod names;
pub mod network;
pub mod role;
pub mod scope;
pub mod views;

pub use dicom::{AeTitle, AeTitleError};
pub use names::{ClinicCode, ClinicName, DisplayName, NameError, NewPassword, Username};
pub use network::{CallerPolicy, Host, Jurisdiction, NetworkError, NodeRole, Port};
pub use role::{Permission, Role};
pub use scope::{ClinicId, Scope, UserId};
