//! A test certificate authority made with openssl (a server certificate for 127.0.0.1, a client
//! certificate for Passerelle), installed once per test binary as Passerelle's DICOM TLS client
//! configuration, and the peers that speak DICOM TLS with it: DCMTK storescp `+tls` and Orthanc
//! with `DicomTlsEnabled` (which then accepts TLS only).

use super::TlsSource;
use super::peers::{Orthanc, StoreScp, orthanc_config, storescp};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use server::config::DicomConfig;
use server::db::entities::remote_node;
use server::db::routing_entities::destination as dest;
use std::path::{Path, PathBuf};
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A key and a certificate signed by the CA in `dir`, for `name` with `ext` (x509v3 lines).
fn issue(dir: &Path, name: &str, subject: &str, ext: &str) {
    let (key, csr, pem, cnf) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
        format!("{name}.cnf"),
    );
    std::fs::write(dir.join(&cnf), ext).expect("ext");
    openssl(
        dir,
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj", subject,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            &cnf,
        ],
    );
}

/// A test CA, a server certificate for 127.0.0.1 (also usable as a client certificate, as
/// Orthanc presents one certificate both ways) and a client certificate.
pub fn pki(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Passerelle test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=keyCertSign,cRLSign",
        ],
    );
    issue(
        dir,
        "server",
        "/CN=127.0.0.1",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
    issue(
        dir,
        "client",
        "/CN=PASSERELLE",
        "extendedKeyUsage=clientAuth\n",
    );
}

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Passerelle's side as a client of `dir`'s CA: trusts it, presents its client certificate.
pub fn client_side(dir: &Path) -> DicomConfig {
    DicomConfig {
        tls_ca_file: Some(path(dir, "ca.pem")),
        tls_cert_file: Some(path(dir, "client.pem")),
        tls_key_file: Some(path(dir, "client.key")),
        ..DicomConfig::default()
    }
}

/// Passerelle's TLS listener with `dir`'s server certificate, callers checked against its CA.
pub fn listener_side(dir: &Path) -> DicomConfig {
    DicomConfig {
        tls_client_ca_file: Some(path(dir, "ca.pem")),
        tls_cert_file: Some(path(dir, "server.pem")),
        tls_key_file: Some(path(dir, "server.key")),
        ..DicomConfig::default()
    }
}

/// One test CA for the whole binary (the process's TLS client configuration is made once),
/// with this side's client configuration installed.
pub fn shared_pki() -> &'static Path {
    static PKI: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let dir = tempfile::tempdir().expect("dir");
        pki(dir.path());
        server::dimse::tls::install(&client_side(dir.path())).expect("TLS configuration");
        dir
    })
    .path()
}

/// DCMTK storescp accepting DICOM TLS only, with the server certificate of `dir`'s CA.
pub fn tls_storescp(dir: &Path) -> StoreScp {
    let text = |name: &str| path(dir, name).to_string_lossy().into_owned();
    let (key, cert, ca) = (text("server.key"), text("server.pem"), text("ca.pem"));
    storescp(&["+tls", &key, &cert, "-pw", "+cf", &ca, "-rc"])
}

/// A configuration file in `into` naming the CA of `dir` and its client certificate and key
/// under `[dicom]` (for the CLI).
pub fn client_config_file(dir: &Path, into: &Path) -> PathBuf {
    let toml = format!(
        "[dicom]\ntls_ca_file = {:?}\ntls_cert_file = {:?}\ntls_key_file = {:?}\n",
        path(dir, "ca.pem"),
        path(dir, "client.pem"),
        path(dir, "client.key")
    );
    let file = into.join("passerelle.toml");
    std::fs::write(&file, toml).expect("config");
    file
}

/// Orthanc (AE `ORTHANC`) accepting DICOM TLS only, with the server certificate of `dir`'s CA,
/// requiring callers' certificates; `modalities` (AE, port) are reached over TLS too.
pub fn orthanc_tls(dir: &Path, modalities: &[(&str, u16)]) -> Orthanc {
    let mods: serde_json::Map<String, serde_json::Value> = modalities
        .iter()
        .map(|(ae, port)| {
            let entry = serde_json::json!({
                "AET": ae, "Host": "127.0.0.1", "Port": port, "UseDicomTls": true
            });
            (ae.to_lowercase(), entry)
        })
        .collect();
    orthanc_config(
        None,
        serde_json::json!({
            "DicomTlsEnabled": true,
            "DicomTlsCertificate": path(dir, "server.pem"),
            "DicomTlsPrivateKey": path(dir, "server.key"),
            "DicomTlsTrustedCertificates": path(dir, "ca.pem"),
            "DicomTlsRemoteCertificateRequired": true,
            "DicomModalities": mods,
        }),
    )
}

/// Passerelle's TLS listener configuration: the server certificate, callers checked against
/// the CA.
pub fn listener(dir: &Path) -> std::sync::Arc<TlsSource> {
    server::dimse::tls::server_source(&listener_side(dir)).expect("server TLS")
}

/// Marks the node of destination `d` as requiring TLS (`tls`) or not.
pub async fn set_tls(db: &sea_orm::DatabaseConnection, d: i64, tls: bool) {
    let node_id = dest::Entity::find_by_id(d)
        .one(db)
        .await
        .expect("read")
        .expect("destination")
        .node_id;
    set_node_tls(db, node_id, tls).await;
}

/// Marks remote node `node_id` as requiring TLS (`tls`) or not.
pub async fn set_node_tls(db: &sea_orm::DatabaseConnection, node_id: i64, tls: bool) {
    let node = remote_node::ActiveModel {
        id: Set(node_id),
        tls: Set(tls),
        ..Default::default()
    };
    node.update(db).await.expect("node's TLS flag");
}
