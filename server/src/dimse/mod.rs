//! DIMSE networking. For now the SCP answers the Verification service (C-ECHO, PS3.4 Annex A)
//! on the configured AE title; storage and query services come with the DICOM network work.

pub mod command;
pub mod scp;

pub use scp::{DicomListener, ScpConfig};
