//! DIMSE networking: the listener (Verification and Storage SCP, PS3.4 Annexes A and B; the
//! Modality Worklist, Annex K; MPPS, Annex F; Query/Retrieve, Annex C; Storage Commitment,
//! Annex J) on the local AE titles of the registry, the SCU side (C-ECHO, query / retrieve),
//! DICOM TLS.

pub mod command;
mod commitment;
mod dataset;
mod find_scp;
pub mod mpps;
pub mod ports;
pub mod qr;
mod qr_scp;
pub mod registry;
pub mod reload;
pub mod scp;
pub mod scu;
pub mod service;
pub mod storage_classes;
pub mod tls;
pub mod worklist;

pub use ports::DedicatedPorts;
pub use registry::{AeRegistry, Snapshot};
pub use scp::{DicomListener, ScpConfig};
