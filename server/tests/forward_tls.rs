//! DICOM TLS (PS3.15 Annex B.1) against DCMTK storescp run with `+tls`, both sides presenting
//! certificates of a test CA made with openssl: C-ECHO (also `passerelle echo --tls`) and
//! forwarding to a TLS node arrive over TLS; a node marked TLS that only speaks plain DICOM
//! receives nothing (never in clear). Passerelle's TLS listener takes storescu `+tls` with a
//! client certificate of the CA, and refuses plain DICOM and an anonymous TLS caller.
//! (Query, retrieve and fetch-back over TLS: `query_tls.rs`.)

mod common;

use common::kinds;
use common::peers::{expected, missing, storescp};
use common::pki::{client_config_file, listener, path, set_tls, shared_pki, tls_storescp};
use common::rig::{count, rig, rig_tls, storescu};
use common::routes::{
    Reach, destination, files, quick_retry, route_all, send, start_forwarder, until_all, until_jobs,
};
use domain::Jurisdiction;
use server::config::DicomConfig;
use server::dimse::scu::{self, Peer};
use server::ingest::ConflictPolicy;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// `passerelle echo --tls` with the certificates named in a configuration file.
async fn cli_echo(dir: &Path, port: u16) {
    let file = client_config_file(dir, dir);
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
    let r = rig_tls(kinds()[0], listener(dir)).await;
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
