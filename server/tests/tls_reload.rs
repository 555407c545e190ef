//! DICOM TLS certificates renewed without a restart (PS3.15 Annex B.1): when the files named in
//! `[dicom]` change, the TLS listener presents the new certificate and trusts the new CA from
//! the next association, and the associations Passerelle opens trust the new CA and present the
//! new client certificate; a file that cannot be used keeps the last good configuration.

mod common;

use common::kinds;
use common::pki::{path, pki, tls_storescp};
use common::rig::{count, rig_tls, storescu};
use common::routes::files;
use server::config::DicomConfig;
use server::db::index_entities::instance;
use server::dimse::scu::{self, Peer};
use std::path::Path;
use std::time::Duration;

/// Copies the named files of one test CA's directory over the live ones.
fn renew(from: &Path, live: &Path, names: &[&str]) {
    for n in names {
        std::fs::copy(from.join(n), live.join(n)).expect("copy");
    }
}

fn text(dir: &Path, name: &str) -> String {
    path(dir, name).to_string_lossy().into_owned()
}

/// storescu `+tls` with the client certificate of `ca`'s directory, trusting that CA.
fn as_client_of(ca: &Path) -> Vec<String> {
    let (key, cert) = (text(ca, "client.key"), text(ca, "client.pem"));
    vec![
        "+tls".into(),
        key,
        cert,
        "-pw".into(),
        "+cf".into(),
        text(ca, "ca.pem"),
    ]
}

async fn store(addr: std::net::SocketAddr, ca: &Path, files: &[std::path::PathBuf]) -> bool {
    let args = as_client_of(ca);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    storescu(addr, &args, files).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_follows_its_certificate_files() {
    let (one, two, live) = (tempdir(), tempdir(), tempdir());
    pki(one.path());
    pki(two.path());
    let served = ["server.pem", "server.key", "ca.pem"];
    renew(one.path(), live.path(), &served);
    let cfg = DicomConfig {
        tls_cert_file: Some(path(live.path(), "server.pem")),
        tls_key_file: Some(path(live.path(), "server.key")),
        tls_client_ca_file: Some(path(live.path(), "ca.pem")),
        ..DicomConfig::default()
    };
    let source = server::dimse::tls::server_source(&cfg).expect("listener TLS");
    let r = rig_tls(kinds()[0], source).await;
    let study = files(&r, 1, 3);
    assert!(store(r.addr, one.path(), &study[..1]).await, "first CA");

    renew(two.path(), live.path(), &served);
    assert!(
        !store(r.addr, one.path(), &study[1..2]).await,
        "the old CA's certificates no longer pass"
    );
    assert!(
        store(r.addr, two.path(), &study[1..2]).await,
        "renewed without a restart"
    );

    std::fs::write(path(live.path(), "server.key"), "not a key").expect("break");
    assert!(
        store(r.addr, two.path(), &study[2..]).await,
        "a broken key file keeps the last good configuration"
    );
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 3);
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associations_opened_follow_the_client_files() {
    let (one, two, live) = (tempdir(), tempdir(), tempdir());
    pki(one.path());
    pki(two.path());
    let used = ["ca.pem", "client.pem", "client.key"];
    renew(one.path(), live.path(), &used);
    let cfg = DicomConfig {
        tls_ca_file: Some(path(live.path(), "ca.pem")),
        tls_cert_file: Some(path(live.path(), "client.pem")),
        tls_key_file: Some(path(live.path(), "client.key")),
        ..DicomConfig::default()
    };
    server::dimse::tls::install(&cfg).expect("client TLS");
    let (first, second) = (tls_storescp(one.path()), tls_storescp(two.path()));
    let peer = |port| Peer {
        ae_title: "STORESCP".into(),
        host: "127.0.0.1".into(),
        port,
        tls: true,
    };
    let limit = Duration::from_secs(5);
    let echo = |port| async move { scu::echo("PASSERELLE", &peer(port), limit).await };
    echo(first.port).await.expect("first CA");
    assert!(
        echo(second.port).await.is_err(),
        "second CA not trusted yet"
    );

    renew(two.path(), live.path(), &used);
    echo(second.port).await.expect("renewed without a restart");
    assert!(
        echo(first.port).await.is_err(),
        "the old CA is no longer trusted"
    );
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("dir")
}
