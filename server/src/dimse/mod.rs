//! DIMSE networking: the SCP answers the Verification service (C-ECHO, PS3.4 Annex A) on the
//! local AE titles of the registry, the SCU sends C-ECHO; storage and query services come next.

pub mod command;
pub mod ports;
pub mod qr;
pub mod registry;
pub mod scp;
pub mod scu;
pub mod service;
pub mod storage_classes;
pub mod tls;

pub use ports::DedicatedPorts;
pub use registry::{AeRegistry, Snapshot};
pub use scp::{DicomListener, ScpConfig};
