//! The sections of the configuration other than `[dicom]` and `[hl7]`, with their defaults.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Prometheus metrics (`GET /metrics`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    pub enabled: bool,
    /// Networks allowed to scrape (CIDR); the default is this host only. Behind a reverse proxy
    /// every caller comes from the proxy's address: set `token` too, or do not proxy `/metrics`.
    pub allow: Vec<ipnet::IpNet>,
    /// If set, scrapes must send `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        let loopback = |s: &str| s.parse().ok();
        Self {
            enabled: true,
            allow: ["127.0.0.0/8", "::1/128"]
                .into_iter()
                .filter_map(loopback)
                .collect(),
            token: None,
        }
    }
}

/// The DICOMweb door (`/dicomweb`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DicomWebConfig {
    /// Browser origins (viewers such as OHIF) allowed to call `/dicomweb` (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// Largest STOW-RS request body, in MiB (413 beyond).
    pub max_stow_mib: u32,
    /// Most results of one QIDO-RS query (a larger `limit` is lowered to this).
    pub max_results: u32,
}

impl Default for DicomWebConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            max_stow_mib: 1024,
            max_results: 1000,
        }
    }
}

/// Query / retrieve against remote PACS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QueryConfig {
    /// Deadline of a search on one PACS (connect, query, all answers), in seconds.
    pub timeout_seconds: u32,
    /// Most results kept per PACS and search; past it a C-CANCEL stops the PACS.
    pub max_results: u32,
    /// Run retrieve jobs in this process.
    pub workers: bool,
    /// Retrieve jobs running at once.
    pub concurrent_retrieves: u32,
    /// Longest wait for the next C-MOVE / C-GET response, in seconds.
    pub retrieve_timeout_seconds: u32,
    /// How long a claimed retrieve stays with its runner; renewed while it progresses.
    pub lease_seconds: u32,
}

impl Default for QueryConfig {
    fn default() -> Self {
        Self {
            timeout_seconds: 15,
            max_results: 500,
            workers: true,
            concurrent_retrieves: 2,
            retrieve_timeout_seconds: 120,
            lease_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address of the web UI and HTTP APIs.
    pub http_addr: SocketAddr,
    /// Where the database (SQLite) and, later, the spool live.
    pub data_dir: PathBuf,
    /// The built site (JS glue, wasm, CSS, static files).
    pub site_dir: PathBuf,
    /// The URL users reach Passerelle at. `https://…` makes cookies `Secure`; its origin is the
    /// one accepted on state-changing requests (CSRF check) besides the request's own host.
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH?mode=rwc` or `postgres://…`; empty means SQLite in the data directory.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// A session unused this long ends.
    pub idle_timeout_minutes: u32,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout_hours: u32,
    /// Failed sign-ins allowed in a burst for one account, then one per `account_refill_seconds`.
    pub account_burst: u32,
    pub account_refill_seconds: u32,
    /// Failed sign-ins allowed in a burst from one address, then one per `address_refill_seconds`.
    pub address_burst: u32,
    pub address_refill_seconds: u32,
}

/// When a forwarded instance's spool copy is released.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// As soon as every destination has confirmed.
    Immediately,
    /// `retention_days` after reception, once every destination has confirmed.
    AfterDays,
    /// Never (the spool keeps everything).
    Keep,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ForwardConfig {
    /// Run forward workers in this process (several processes may share a PostgreSQL queue).
    pub workers: bool,
    /// Calling AE title of Passerelle's C-STORE associations to destinations.
    pub calling_ae: String,
    /// How long a claimed job stays reserved for its worker; renewed while it is being sent.
    pub lease_seconds: u32,
    /// How often idle workers look for due jobs, in milliseconds.
    pub poll_ms: u32,
    /// Most instances of one study sent on one association or STOW-RS request.
    pub batch_size: u32,
    /// How long a partial batch waits for more instances of its study, in milliseconds.
    pub linger_ms: u32,
    pub retention: Retention,
    pub retention_days: u32,
}

impl Default for ForwardConfig {
    fn default() -> Self {
        Self {
            workers: true,
            calling_ae: "PASSERELLE".into(),
            lease_seconds: 60,
            poll_ms: 100,
            batch_size: 32,
            linger_ms: 300,
            retention: Retention::AfterDays,
            retention_days: 7,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    /// Password of the `admin` account created on first start; generated and printed once if unset.
    pub admin_password: Option<String>,
    /// Create the demo clinic's local AE title on first start.
    pub demo: bool,
    /// With `demo`: also sample patients, radiologists, referring physicians, procedures and
    /// today's orders in the demo clinic, so a newcomer sees a living system.
    pub demo_records: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("./data"),
            site_dir: PathBuf::from("target/site"),
            public_url: "http://127.0.0.1:3000".into(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 16,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            account_burst: 5,
            account_refill_seconds: 60,
            address_burst: 20,
            address_refill_seconds: 30,
        }
    }
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            admin_password: None,
            demo: true,
            demo_records: true,
        }
    }
}
