//! DICOM TLS (PS3.15 Annex B.1) against DCMTK storescp run with `+tls`, both sides presenting
//! certificates of a test CA made with openssl: C-ECHO (also `passerelle echo --tls`) and
//! forwarding to a TLS node arrive over TLS; a node marked TLS that only speaks plain DICOM
//! receives nothing (never in clear); queries to a TLS node are refused. Passerelle's TLS
//! listener takes storescu `+tls` with a client certificate of the CA, and refuses plain
//! DICOM and an anonymous TLS caller.

mod common;

use common::kinds;
use common::peers::{expected, missing, storescp};
use common::rig::{count, rig, rig_tls, storescu};
use common::routes::{
    Reach, destination, files, quick_retry, route_all, send, start_forwarder, until_all, until_jobs,
};
use domain::Jurisdiction;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use server::config::DicomConfig;
use server::db::entities::remote_node;
use server::db::routing_entities::destination as dest;
use server::dimse::scu::{self, Peer};
use server::ingest::ConflictPolicy;
use server::storage::Spool;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

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

/// A test CA, a server certificate for 127.0.0.1 and a client certificate.
fn pki(dir: &Path) {
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
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    );
    issue(
        dir,
        "client",
        "/CN=PASSERELLE",
        "extendedKeyUsage=clientAuth\n",
    );
}

fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// One test CA for the whole binary (the process's TLS client configuration is made once),
/// with this side's client configuration installed.
fn shared_pki() -> &'static Path {
    static PKI: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let dir = tempfile::tempdir().expect("dir");
        pki(dir.path());
        let cfg = DicomConfig {
            tls_ca_file: Some(path(dir.path(), "ca.pem")),
            tls_cert_file: Some(path(dir.path(), "client.pem")),
            tls_key_file: Some(path(dir.path(), "client.key")),
            ..DicomConfig::default()
        };
        server::dimse::tls::install(&cfg).expect("TLS configuration");
        dir
    })
    .path()
}

/// DCMTK storescp accepting DICOM TLS only, with the server certificate of `dir`'s CA.
fn tls_storescp(dir: &Path) -> common::peers::StoreScp {
    let text = |name: &str| path(dir, name).to_string_lossy().into_owned();
    let (key, cert, ca) = (text("server.key"), text("server.pem"), text("ca.pem"));
    storescp(&["+tls", &key, &cert, "-pw", "+cf", &ca, "-rc"])
}

/// Marks the node of destination `d` as requiring TLS (`tls`) or not.
async fn set_tls(db: &sea_orm::DatabaseConnection, d: i64, tls: bool) {
    let node_id = dest::Entity::find_by_id(d)
        .one(db)
        .await
        .expect("read")
        .expect("destination")
        .node_id;
    let node = remote_node::ActiveModel {
        id: Set(node_id),
        tls: Set(tls),
        ..Default::default()
    };
    node.update(db).await.expect("node's TLS flag");
}

/// `passerelle echo --tls` with the certificates named in a configuration file.
async fn cli_echo(dir: &Path, port: u16) {
    let toml = format!(
        "[dicom]\ntls_ca_file = {:?}\ntls_cert_file = {:?}\ntls_key_file = {:?}\n",
        path(dir, "ca.pem"),
        path(dir, "client.pem"),
        path(dir, "client.key")
    );
    let file = dir.join("passerelle.toml");
    std::fs::write(&file, toml).expect("config");
    let target = format!("STORESCP@127.0.0.1:{port}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .arg("--config")
            .arg(&file)
            .args(["echo", "--tls", &target])
            .output()
    })
    .await
    .expect("task")
    .expect("passerelle echo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("succeeded"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_node_gets_its_instances_over_tls_and_never_in_clear() {
    let dir = shared_pki();
    let secure = tls_storescp(dir);
    let plain = storescp(&[]);
    let peer = Peer {
        ae_title: "STORESCP".into(),
        host: "127.0.0.1".into(),
        port: secure.port,
        tls: true,
    };
    let limit = Duration::from_secs(5);
    scu::echo("PASSERELLE", &peer, limit)
        .await
        .expect("C-ECHO over TLS");
    let wrong = Peer {
        port: plain.port,
        ..peer.clone()
    };
    assert!(
        scu::echo("PASSERELLE", &wrong, limit).await.is_err(),
        "a plain peer fails the handshake"
    );
    cli_echo(dir, secure.port).await;
    let named = Peer {
        host: "localhost".into(),
        ..peer.clone()
    };
    let e = scu::echo("PASSERELLE", &named, limit)
        .await
        .expect_err("name not in the certificate");
    assert!(e.to_string().contains("TLS"), "{e}");
    let clear = Peer { tls: false, ..peer };
    assert!(
        scu::echo("PASSERELLE", &clear, limit).await.is_err(),
        "the TLS peer refuses clear"
    );

    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    let reach = |port| Reach::Dimse {
        ae: "STORESCP",
        port,
    };
    let good = destination(
        db,
        "secure",
        reach(secure.port),
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    let bad = destination(
        db,
        "plain",
        reach(plain.port),
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    set_tls(db, good, true).await;
    set_tls(db, bad, true).await;
    route_all(db, &["secure", "plain"]).await;
    let fwd = start_forwarder(&r).await;
    let study = files(&r, 1, 3);
    send(&r, &study).await;
    until_all(&r, good, study.len(), "done", Duration::from_secs(30)).await;
    let js = until_jobs(
        &r,
        bad,
        Duration::from_secs(10),
        "a refused attempt each",
        |js| js.len() == study.len() && js.iter().all(|j| j.attempts >= 1 && j.state != "done"),
    )
    .await;
    fwd.abort();
    assert!(
        js[0].last_error.as_deref().unwrap_or("").contains("TLS"),
        "{js:?}"
    );
    assert_eq!(
        missing(&expected(&study), &secure.received()),
        Vec::<String>::new()
    );
    assert!(plain.received().is_empty(), "nothing sent in clear");
    r.t.finish().await;
    let query = server::dimse::qr::options("PASSERELLE", &clear, limit);
    let tls_node = Peer { tls: true, ..clear };
    let refused = server::dimse::qr::open(query, &tls_node, limit).await.err();
    let refused = refused.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        refused.contains("does not query or retrieve over TLS"),
        "{refused}"
    );
}

#[test]
fn tls_files_are_checked() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("passerelle.toml");
    std::fs::write(&file, "[dicom]\ntls_cert_file = \"client.pem\"\n").expect("write");
    let half = server::config::Config::load(Some(&file)).expect_err("a certificate without key");
    assert!(half.to_string().contains("dicom.tls_cert_file"), "{half}");
    let cfg = DicomConfig {
        tls_ca_file: Some(dir.path().join("missing-ca.pem")),
        ..DicomConfig::default()
    };
    let e = server::dimse::tls::client_config(&cfg).expect_err("missing CA file");
    assert!(e.to_string().contains("missing-ca.pem"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tls_listener_takes_only_authenticated_tls() {
    let dir = shared_pki();
    let cfg = DicomConfig {
        tls_client_ca_file: Some(path(dir, "ca.pem")),
        tls_cert_file: Some(path(dir, "server.pem")),
        tls_key_file: Some(path(dir, "server.key")),
        ..DicomConfig::default()
    };
    let tls = server::dimse::tls::server_config(&cfg).expect("server TLS");
    let r = rig_tls(kinds()[0], tls).await;
    let study = files(&r, 1, 2);
    let text = |name: &str| path(dir, name).to_string_lossy().into_owned();
    let (key, cert, ca) = (text("client.key"), text("client.pem"), text("ca.pem"));
    let (ok, out) = storescu(r.addr, &[], &study[..1]).await;
    assert!(!ok, "plain DICOM refused: {out}");
    let (ok, out) = storescu(r.addr, &["+tla", "+cf", &ca], &study[..1]).await;
    assert!(!ok, "a caller without certificate refused: {out}");
    use server::db::index_entities::instance;
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
    let (ok, out) = storescu(r.addr, &["+tls", &key, &cert, "-pw", "+cf", &ca], &study).await;
    assert!(ok, "storescu over TLS: {out}");
    assert_eq!(count::<instance::Entity>(&r.t.db).await, study.len() as u64);
    r.t.finish().await;
}

/// A copy that only a TLS node confirmed stays in the spool: fetch-back (C-GET) is not done
/// over TLS, so releasing it would leave the study unreadable. Once the node is plain, it goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_only_a_tls_node_confirmed_stays_in_the_spool() {
    use server::db::index_entities::instance;
    let secure = tls_storescp(shared_pki());
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    let reach = Reach::Dimse {
        ae: "STORESCP",
        port: secure.port,
    };
    let d = destination(db, "secure", reach, Jurisdiction::Quebec, quick_retry(), 5).await;
    set_tls(db, d, true).await;
    route_all(db, &["secure"]).await;
    let fwd = start_forwarder(&r).await;
    let study = files(&r, 1, 2);
    send(&r, &study).await;
    until_all(&r, d, study.len(), "done", Duration::from_secs(30)).await;
    fwd.abort();
    let spool = Spool::open_for_ingest(&r.spool_dir).expect("spool");
    let cfg = common::routes::forward_config();
    let swept = server::queue::release::sweep(db, &spool, &cfg)
        .await
        .expect("sweep");
    assert_eq!(swept, 0, "nothing released");
    let held = instance::Entity::find().all(db).await.expect("instances");
    assert!(held.iter().all(|i| i.purged_at.is_none()), "{held:?}");
    set_tls(db, d, false).await;
    let swept = server::queue::release::sweep(db, &spool, &cfg)
        .await
        .expect("sweep");
    assert_eq!(swept, study.len());
    r.t.finish().await;
}
