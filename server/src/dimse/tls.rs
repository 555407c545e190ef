//! DICOM TLS (PS3.15 Annex B.1, "Basic TLS Secure Transport Connection profile"). Associations
//! Passerelle opens: the peer's certificate is checked against `[dicom] tls_ca_file` (or the
//! system's roots) and its host name; this side presents `tls_cert_file` / `tls_key_file` when
//! set (one client configuration per process). The TLS listener presents the same certificate
//! and, with `tls_client_ca_file` set, requires callers' certificates signed by that CA (a
//! separate file: trusting a public bundle for servers must not admit callers). Both follow
//! their files (`reload.rs`): a renewed certificate is used from the next association.

use super::reload::Reloading;
use crate::config::DicomConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("{0} holds no certificate")]
    NoCertificate(PathBuf),
    #[error("no trusted root certificate (set dicom.tls_ca_file)")]
    NoRoots,
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("the TLS listener needs dicom.tls_cert_file and dicom.tls_key_file")]
    NoIdentity,
    #[error("client certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("{path} is not a readable X.509 certificate: {reason}")]
    Certificate { path: PathBuf, reason: String },
}

/// The client configuration, and when its certificate (`tls_cert_file`) stops being valid.
pub struct ClientTls {
    pub config: Arc<ClientConfig>,
    pub not_after: Option<i64>,
}

static CLIENT: OnceLock<Reloading<ClientTls>> = OnceLock::new();

/// The files a configuration reads, to follow (unset ones left out).
fn files(paths: &[&Option<PathBuf>]) -> Vec<PathBuf> {
    paths.iter().filter_map(|p| (*p).clone()).collect()
}

/// Makes the process's client configuration from `cfg` (once; later calls keep the first).
pub fn install(cfg: &DicomConfig) -> Result<(), TlsError> {
    if CLIENT.get().is_none() {
        let _ = CLIENT.set(client_source(cfg)?);
    }
    Ok(())
}

fn client_source(cfg: &DicomConfig) -> Result<Reloading<ClientTls>, TlsError> {
    let read = files(&[&cfg.tls_ca_file, &cfg.tls_cert_file, &cfg.tls_key_file]);
    let cfg = cfg.clone();
    Reloading::new(read, move || {
        let config = client_config(&cfg)?;
        let not_after = cfg.tls_cert_file.as_deref().map(not_after).transpose()?;
        Ok(Arc::new(ClientTls { config, not_after }))
    })
}

/// The process's client configuration, as its files are now; the defaults (system roots, no
/// client certificate) when `install` was not called.
pub fn client() -> Result<Arc<ClientConfig>, TlsError> {
    if let Some(c) = CLIENT.get() {
        return Ok(c.current().config.clone());
    }
    let made = client_source(&DicomConfig::default())?;
    Ok(CLIENT.get_or_init(|| made).current().config.clone())
}

/// When the certificate this side presents now stops being valid (seconds since 1970): the
/// last configuration that built, so a renewal that failed to load does not show as done.
pub fn in_use_not_after() -> Option<i64> {
    CLIENT.get()?.current().not_after
}

/// The TLS listener's configuration, following its files (see `server_config`).
pub fn server_source(cfg: &DicomConfig) -> Result<Arc<Reloading<ServerConfig>>, TlsError> {
    let read = files(&[
        &cfg.tls_cert_file,
        &cfg.tls_key_file,
        &cfg.tls_client_ca_file,
    ]);
    let cfg = cfg.clone();
    Ok(Arc::new(Reloading::new(read, move || server_config(&cfg))?))
}

fn read_err(path: &Path) -> impl Fn(rustls::pki_types::pem::Error) -> TlsError + '_ {
    move |e| TlsError::File {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(read_err(path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err(path))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(path.to_owned()));
    }
    Ok(certs)
}

fn roots(ca_file: Option<&PathBuf>) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for c in certificates(path)? {
                roots.add(c)?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(TlsError::NoRoots);
            }
        }
    }
    Ok(roots)
}

/// The crypto provider named explicitly: ring and aws-lc-rs are both in the build, so rustls
/// cannot pick a process default.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// This side's certificate chain and private key (`tls_cert_file`, `tls_key_file`), if set.
fn identity(cfg: &DicomConfig) -> Result<Option<Identity>, TlsError> {
    let (Some(cert), Some(key)) = (&cfg.tls_cert_file, &cfg.tls_key_file) else {
        return Ok(None);
    };
    let key = PrivateKeyDer::from_pem_file(key).map_err(read_err(key))?;
    Ok(Some((certificates(cert)?, key)))
}

/// A client configuration, TLS 1.2 and 1.3.
pub fn client_config(cfg: &DicomConfig) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots(cfg.tls_ca_file.as_ref())?);
    let config = match identity(cfg)? {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key)?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The TLS listener's configuration: this side's certificate and key; callers must present a
/// certificate signed by `tls_client_ca_file` when it is set (mutual authentication), none
/// otherwise.
pub fn server_config(cfg: &DicomConfig) -> Result<Arc<ServerConfig>, TlsError> {
    let (chain, key) = identity(cfg)?.ok_or(TlsError::NoIdentity)?;
    let builder =
        ServerConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let builder = match &cfg.tls_client_ca_file {
        Some(ca) => {
            let roots = Arc::new(roots(Some(ca))?);
            let verifier =
                WebPkiClientVerifier::builder_with_provider(roots, provider()).build()?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(builder.with_single_cert(chain, key)?))
}

/// When the first certificate of `path` stops being valid (its notAfter, RFC 5280 §4.1.2.5),
/// in seconds since 1970.
pub fn not_after(path: &Path) -> Result<i64, TlsError> {
    let chain = certificates(path)?;
    let first = chain
        .first()
        .ok_or(TlsError::NoCertificate(path.to_owned()))?;
    let (_, cert) =
        x509_parser::parse_x509_certificate(first.as_ref()).map_err(|e| TlsError::Certificate {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(cert.validity().not_after.timestamp())
}

/// Logs an error when this side's certificate (`tls_cert_file`) has expired, a warning when it
/// expires within 30 days.
pub fn check_expiry(cfg: &DicomConfig) {
    let Some(path) = &cfg.tls_cert_file else {
        return;
    };
    let now = crate::db::now();
    match not_after(path) {
        Ok(end) if end <= now => {
            tracing::error!(file = %path.display(), "the DICOM TLS certificate has expired: peers will refuse it")
        }
        Ok(end) if end - now < 30 * 86_400 => {
            let days = (end - now) / 86_400;
            tracing::warn!(file = %path.display(), days, "the DICOM TLS certificate expires soon")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the DICOM TLS certificate's validity"),
    }
}
