//! Configuration: one TOML file plus `PASSERELLE__SECTION__KEY` environment overrides (figment).
//! Errors name the offending key.

use crate::ingest::ConflictPolicy;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("invalid configuration: key `{key}`: {reason}")]
    Key { key: &'static str, reason: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub dicom: DicomConfig,
    pub forward: ForwardConfig,
    pub query: QueryConfig,
    pub dicomweb: DicomWebConfig,
    pub bootstrap: BootstrapConfig,
    pub metrics: MetricsConfig,
}

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
    /// Create the demo clinic on first start.
    pub demo: bool,
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
        }
    }
}

impl Config {
    /// Defaults, then the file (if given), then the process's `PASSERELLE__…` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::Missing(path.to_owned()));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig.merge(Env::prefixed("PASSERELLE__").split("__"));
        let cfg: Config = fig.extract().map_err(Box::new)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what serde cannot.
    fn validate(&self) -> Result<(), ConfigError> {
        let key = |key, reason: &str| {
            Err(ConfigError::Key {
                key,
                reason: reason.to_owned(),
            })
        };
        let url = &self.database.url;
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return key("database.url", "must start with sqlite: or postgres://");
        }
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return key("server.public_url", "must start with http:// or https://");
        }
        if self.auth.idle_timeout_minutes == 0 || self.auth.absolute_timeout_hours == 0 {
            return key("auth", "timeouts must be positive");
        }
        if self.auth.account_burst == 0 || self.auth.address_burst == 0 {
            return key("auth", "bursts must be positive");
        }
        let d = &self.dicom;
        if d.max_associations == 0
            || d.idle_timeout_seconds == 0
            || d.association_timeout_seconds == 0
        {
            return key("dicom", "limits and timeouts must be positive");
        }
        if d.max_dataset_mib == 0 || d.max_dataset_mib > 65_536 {
            return key("dicom.max_dataset_mib", "must be between 1 and 65536");
        }
        if d.tls_cert_file.is_some() != d.tls_key_file.is_some() {
            return key(
                "dicom.tls_cert_file",
                "set with dicom.tls_key_file, or neither",
            );
        }
        if d.tls_listen.is_some() && d.tls_cert_file.is_none() {
            return key(
                "dicom.tls_listen",
                "needs dicom.tls_cert_file and dicom.tls_key_file",
            );
        }
        if !(4096..=16_777_216).contains(&d.max_pdu) {
            return key("dicom.max_pdu", "must be between 4096 and 16777216");
        }
        let f = &self.forward;
        if domain::AeTitle::parse(&f.calling_ae).is_err() {
            return key("forward.calling_ae", "must be a valid AE title");
        }
        if f.lease_seconds < 2 || f.poll_ms == 0 || f.batch_size == 0 || f.batch_size > 1000 {
            return key(
                "forward",
                "lease_seconds ≥ 2, poll_ms ≥ 1 and batch_size 1–1000 are required",
            );
        }
        if self.metrics.token.as_ref().is_some_and(|t| t.len() < 16) {
            return key("metrics.token", "must be at least 16 characters");
        }
        if self.database.max_connections == 0 {
            return key("database.max_connections", "must be positive");
        }
        Ok(())
    }

    /// The database URL, defaulting to SQLite in the data directory.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join("passerelle.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// Ports Passerelle itself listens on (a local AE title's dedicated port cannot be one).
    pub fn reserved_ports(&self) -> Vec<u16> {
        let d = &self.dicom;
        let mut ports = vec![d.listen.port(), self.server.http_addr.port()];
        ports.extend(d.tls_listen.map(|a| a.port()));
        ports
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }
}
