//! DICOM TLS certificates renewed without a restart (PS3.15 Annex B.1): when the files named in
//! `[dicom]` change, the TLS listener presents the new certificate and trusts the new callers'
//! CA from the next association, and the associations Passerelle opens trust the new CA and
//! present the new client certificate; a file that cannot be used keeps the last good
//! configuration and is counted in the metrics.

mod common;

use common::kinds;
use common::pki::{client_side, listener, path, pki, tls_storescp};
use common::rig::{count, rig_tls, storescu};
use common::routes::files;
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

/// storescu `+tls` with the client certificate of `client`'s CA directory, trusting the CA of
/// `trust` for the listener's certificate; whether every file was stored.
async fn store(
    addr: std::net::SocketAddr,
    (client, trust): (&Path, &Path),
    files: &[std::path::PathBuf],
) -> bool {
    let (key, cert, ca) = (
        text(client, "client.key"),
        text(client, "client.pem"),
        text(trust, "ca.pem"),
    );
    storescu(addr, &["+tls", &key, &cert, "-pw", "+cf", &ca], files)
        .await
        .0
}

/// `passerelle_tls_reload_failures_total` now.
fn reload_failures() -> f64 {
    let text = server::telemetry::install()
        .map(|h| h.render())
        .unwrap_or_default();
    text.lines()
        .find_map(|l| {
            l.strip_prefix("passerelle_tls_reload_failures_total ")?
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_follows_its_certificate_files() {
    let (one, two, live) = (tempdir(), tempdir(), tempdir());
    let (one, two) = (one.path(), two.path());
    pki(one);
    pki(two);
    renew(one, live.path(), &["server.pem", "server.key", "ca.pem"]);
    let r = rig_tls(kinds()[0], listener(live.path())).await;
    let study = files(&r, 1, 4);
    assert!(store(r.addr, (one, one), &study[..1]).await, "first CA");

    // The callers' CA alone is renewed: callers need the new CA's certificates.
    renew(two, live.path(), &["ca.pem"]);
    assert!(
        !store(r.addr, (one, one), &study[1..2]).await,
        "old callers"
    );
    assert!(store(r.addr, (two, one), &study[1..2]).await, "new callers");

    // The listener's certificate is renewed: callers must trust the new CA.
    renew(two, live.path(), &["server.pem", "server.key"]);
    assert!(!store(r.addr, (two, one), &study[2..3]).await, "old trust");
    assert!(store(r.addr, (two, two), &study[2..3]).await, "renewed");

    let failures = reload_failures();
    std::fs::write(path(live.path(), "server.key"), "not a key").expect("break");
    assert!(
        store(r.addr, (two, two), &study[3..]).await,
        "a broken key file keeps the last good configuration"
    );
    assert_eq!(reload_failures(), failures + 1.0, "the failure is counted");
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 4);
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associations_opened_follow_the_client_files() {
    let (one, two, live) = (tempdir(), tempdir(), tempdir());
    pki(one.path());
    pki(two.path());
    let used = ["ca.pem", "client.pem", "client.key"];
    renew(one.path(), live.path(), &used);
    server::dimse::tls::install(&client_side(live.path())).expect("client TLS");
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
