//! Configuration: one TOML file plus `PASSERELLE__SECTION__KEY` environment overrides (figment).
//! Errors name the offending key.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod dicom;
mod hl7;
mod sections;
pub use dicom::{ConflictPolicy, DicomConfig};
pub use hl7::{Hl7Config, OrdersConfig};
pub use sections::*;

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
    pub hl7: Hl7Config,
    pub orders: OrdersConfig,
}

fn key(key: &'static str, reason: &str) -> Result<(), ConfigError> {
    Err(ConfigError::Key {
        key,
        reason: reason.to_owned(),
    })
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
        self.validate_server()?;
        self.validate_dicom()?;
        self.validate_forward()?;
        self.validate_hl7()
    }

    fn validate_server(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return key("database.url", "must start with sqlite: or postgres://");
        }
        if self.database.max_connections == 0 {
            return key("database.max_connections", "must be positive");
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
        if self.metrics.token.as_ref().is_some_and(|t| t.len() < 16) {
            return key("metrics.token", "must be at least 16 characters");
        }
        Ok(())
    }

    fn validate_dicom(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    fn validate_forward(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    fn validate_hl7(&self) -> Result<(), ConfigError> {
        let h = &self.hl7;
        if h.max_message_kib == 0 || h.max_message_kib > 65_536 {
            return key("hl7.max_message_kib", "must be between 1 and 65536");
        }
        if h.idle_timeout_seconds == 0 || h.frame_timeout_seconds == 0 || h.max_connections == 0 {
            return key("hl7", "timeouts and max_connections must be positive");
        }
        if h.tls_cert_file.is_some() != h.tls_key_file.is_some() {
            return key("hl7.tls_cert_file", "set with hl7.tls_key_file, or neither");
        }
        if h.tls_listen.is_some() && h.tls_cert_file.is_none() && self.dicom.tls_cert_file.is_none()
        {
            return key(
                "hl7.tls_listen",
                "needs hl7.tls_cert_file and hl7.tls_key_file (or the [dicom] ones)",
            );
        }
        let p = &self.orders.accession_prefix;
        if p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return key("orders.accession_prefix", "1 to 8 letters or digits");
        }
        Ok(())
    }

    /// The DICOM TLS settings with the HL7 listener's certificate, key and callers' CA (the
    /// `[dicom]` certificate and key when `[hl7]` names none), for the same TLS handling.
    pub fn hl7_tls(&self) -> DicomConfig {
        let h = &self.hl7;
        let mut d = self.dicom.clone();
        if h.tls_cert_file.is_some() {
            d.tls_cert_file = h.tls_cert_file.clone();
            d.tls_key_file = h.tls_key_file.clone();
        }
        d.tls_client_ca_file = h.tls_client_ca_file.clone();
        d
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
        ports.extend(self.hl7.listen.map(|a| a.port()));
        ports.extend(self.hl7.tls_listen.map(|a| a.port()));
        ports
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.server.public_url.starts_with("https://")
    }
}
