//! The `[dicom]` section: the DICOM listener, its limits, the duplicate policy and DICOM TLS.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// What to do when an instance arrives again with the same SOP Instance UID but other bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// Keep the new version as current and the previous one as an earlier version.
    #[default]
    KeepBoth,
    /// Keep the first; answer warning B000 and record the event.
    Reject,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DicomConfig {
    /// Address of the DICOM listener (all local AE titles share it).
    pub listen: SocketAddr,
    /// Concurrent associations, every listener together (main port, dedicated ports, TLS);
    /// more are refused with a transient A-ASSOCIATE-RJ.
    pub max_associations: u32,
    /// Largest PDU accepted, in bytes.
    pub max_pdu: u32,
    /// Longest wait for the next PDU, in seconds (association request included).
    pub idle_timeout_seconds: u32,
    /// Longest life of one association, in seconds.
    pub association_timeout_seconds: u32,
    /// Largest data set accepted in one C-STORE, in MiB (larger ones get A700).
    pub max_dataset_mib: u32,
    /// Same SOP Instance UID, different content: `keep_both` or `reject` (warning B000).
    pub conflict_policy: ConflictPolicy,
    /// DICOM TLS to nodes marked TLS (PS3.15 Annex B.1): the CA certificates (PEM) their
    /// certificates are checked against; unset, the system's trusted roots.
    pub tls_ca_file: Option<PathBuf>,
    /// This side's certificate chain and private key (PEM), for nodes that require them.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// A second listener that accepts DICOM TLS only (2762 is the registered port), for every
    /// local AE title; it presents `tls_cert_file`.
    pub tls_listen: Option<SocketAddr>,
    /// The CA (PEM) callers of the TLS listener must present a certificate of; unset, callers
    /// are not asked for one. Separate from `tls_ca_file`, which says which servers to trust.
    pub tls_client_ca_file: Option<PathBuf>,
}

impl Default for DicomConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 11112)),
            max_associations: 32,
            max_pdu: 131_072,
            idle_timeout_seconds: 30,
            association_timeout_seconds: 3600,
            max_dataset_mib: 512,
            conflict_policy: ConflictPolicy::KeepBoth,
            tls_ca_file: None,
            tls_cert_file: None,
            tls_key_file: None,
            tls_listen: None,
            tls_client_ca_file: None,
        }
    }
}
