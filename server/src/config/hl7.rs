//! The `[hl7]` section (HL7 v2 order intake over MLLP, off unless `listen` is set) and the
//! `[orders]` section (generated accession numbers).

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hl7Config {
    /// The MLLP listener (2575 is the registered port); unset: no HL7 intake.
    pub listen: Option<SocketAddr>,
    /// A second listener that accepts MLLP over TLS only.
    pub tls_listen: Option<SocketAddr>,
    /// Its certificate and key (PEM); unset, `[dicom] tls_cert_file` / `tls_key_file`.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// The CA senders must present a certificate of; unset, senders are not asked for one.
    pub tls_client_ca_file: Option<PathBuf>,
    /// Largest message accepted, in KiB (larger ones are answered AR and skipped).
    pub max_message_kib: u32,
    /// A connection that sends nothing this long is closed.
    pub idle_timeout_seconds: u32,
    /// A message must arrive whole within this time once its frame has started.
    pub frame_timeout_seconds: u32,
    /// Connections served at once (HL7 and HL7 over TLS together); more are closed at once.
    pub max_connections: u32,
}

impl Default for Hl7Config {
    fn default() -> Self {
        Self {
            listen: None,
            tls_listen: None,
            tls_cert_file: None,
            tls_key_file: None,
            tls_client_ca_file: None,
            max_message_kib: 1024,
            idle_timeout_seconds: 300,
            frame_timeout_seconds: 30,
            max_connections: 32,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OrdersConfig {
    /// Prefix of the accession numbers Passerelle generates (orders created without one);
    /// 1–8 letters or digits. Numbers are unique per clinic.
    pub accession_prefix: String,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        Self {
            accession_prefix: "PAS".into(),
        }
    }
}
