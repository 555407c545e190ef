//! `GET /metrics` (Prometheus): a study received by storescu and forwarded to DCMTK storescp is
//! counted on receipt, in the queue, in the spool and once sent (SQLite and PostgreSQL); the
//! endpoint answers only allowed networks, and only with the token when one is configured; the
//! end of validity of this side's DICOM TLS certificate is exposed.

mod common;

use common::peers::storescp;
use common::rig::{Rig, rig};
use common::routes::{Reach, destination, files, quick_retry, route_all, send, start_forwarder};
use common::{Client, kinds};
use domain::Jurisdiction;
use http::{Request, StatusCode, header};
use server::ingest::ConflictPolicy;
use server::state::AppState;
use std::time::{Duration, Instant};

/// The value of one series (`name{labels}`) in an exposition text; 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn client(r: &Rig, edit: impl FnOnce(&mut server::config::Config)) -> Client {
    let mut cfg = common::config(&r.t);
    edit(&mut cfg);
    Client::new(server::http::router(AppState::new(r.t.db.clone(), cfg)))
}

async fn scrape(c: &mut Client) -> String {
    let a = c.get("/metrics").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body
}

const RECEIVED: &str = "passerelle_instances_received_total{door=\"dimse\",outcome=\"success\"}";
const ACCEPTED: &str = "passerelle_dimse_associations_total{outcome=\"accepted\"}";
const DONE: &str = "passerelle_forward_attempts_total{destination=\"scp\",outcome=\"done\"}";
const DURATIONS: &str = "passerelle_ingest_duration_seconds_count{door=\"dimse\"}";
const QUEUED: &str = "passerelle_forward_jobs{destination=\"scp\",state=\"queued\"}";
const SENT: &str = "passerelle_forward_jobs{destination=\"scp\",state=\"done\"}";

async fn receipt_to_destination(kind: common::Kind) {
    let scp = storescp(&[]);
    let r = rig(kind, ConflictPolicy::KeepBoth).await;
    let reach = Reach::Dimse {
        ae: "STORESCP",
        port: scp.port,
    };
    let d = destination(
        &r.t.db,
        "scp",
        reach,
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    route_all(&r.t.db, &["scp"]).await;
    r.router.reload(&r.t.db).await.expect("router");
    let mut c = client(&r, |_| {});
    let before = scrape(&mut c).await;
    let study = files(&r, 1, 3);
    let bytes: u64 = study
        .iter()
        .map(|f| f.metadata().expect("file").len())
        .sum();
    send(&r, &study).await;
    let held = scrape(&mut c).await;
    let delta = |s: &str, t: &str| value(t, s) - value(&before, s);
    assert_eq!(delta(RECEIVED, &held), 3.0, "{held}");
    assert_eq!(delta(DURATIONS, &held), 3.0, "{held}");
    assert!(delta(ACCEPTED, &held) >= 1.0, "{held}");
    assert_eq!(value(&held, QUEUED), 3.0, "{held}");
    assert_eq!(value(&held, "passerelle_spool_instances"), 3.0, "{held}");
    // The spool holds the data sets with their Part-10 headers, as the files sent were.
    let spool = value(&held, "passerelle_spool_bytes");
    assert!(
        spool > 0.0 && spool <= bytes as f64 + 1024.0,
        "{spool} of {bytes}"
    );
    let fwd = start_forwarder(&r).await;
    common::routes::until_all(&r, d, 3, "done", Duration::from_secs(30)).await;
    let start = Instant::now();
    let sent = loop {
        let text = scrape(&mut c).await;
        if value(&text, "passerelle_spool_instances") == 0.0 {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    fwd.abort();
    assert_eq!(delta(DONE, &sent), 3.0, "{sent}");
    assert_eq!(value(&sent, SENT), 3.0, "{sent}");
    assert_eq!(value(&sent, QUEUED), 0.0, "{sent}");
    assert_eq!(value(&sent, "passerelle_spool_bytes"), 0.0, "{sent}");
    assert!(sent.contains("passerelle_destination_paused{destination=\"scp\"} 0"));
    assert!(sent.contains("passerelle_database_up 1"));
    r.t.finish().await;
}

#[tokio::test]
async fn the_certificate_end_of_validity_is_exposed() {
    let dir = tempfile::tempdir().expect("dir");
    common::pki::pki(dir.path());
    let cert = common::pki::path(dir.path(), "client.pem");
    server::dimse::tls::install(&common::pki::client_side(dir.path())).expect("client TLS");
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let mut c = client(&r, |cfg| cfg.dicom.tls_cert_file = Some(cert.clone()));
    let text = scrape(&mut c).await;
    let series = format!(
        "passerelle_tls_certificate_not_after_seconds{{file=\"{}\"}}",
        cert.display()
    );
    let end = value(&text, &series);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    // The test CA issues certificates for two days.
    assert!(
        end > now + 86_400.0 && end < now + 3.0 * 86_400.0,
        "{end} vs {now}: {text}"
    );
    let mut plain = client(&r, |_| {});
    let text = scrape(&mut plain).await;
    assert!(!text.contains("passerelle_tls_certificate"), "{text}");
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_is_counted_from_receipt_to_its_destination() {
    for kind in kinds() {
        receipt_to_destination(kind).await;
    }
}

#[tokio::test]
async fn metrics_are_served_to_allowed_networks_with_the_token() {
    let kind = kinds()[0];
    let r = rig(kind, ConflictPolicy::KeepBoth).await;
    let mut local = client(&r, |_| {});
    scrape(&mut local).await;
    let mut remote = client(&r, |_| {}).from([10, 1, 2, 3]);
    assert_eq!(remote.get("/metrics").await.status, StatusCode::FORBIDDEN);
    // This host through a dual-stack socket (::ffff:127.0.0.1) is this host.
    let mut mapped = client(&r, |_| {});
    mapped.peer = "[::ffff:127.0.0.1]:50000".parse().expect("addr");
    scrape(&mut mapped).await;
    let mut allowed = client(&r, |c| {
        c.metrics.allow = vec!["10.1.0.0/16".parse().expect("net")]
    })
    .from([10, 1, 2, 3]);
    scrape(&mut allowed).await;
    let token = "a-long-scrape-token-0123";
    let mut guarded = client(&r, |c| c.metrics.token = Some(token.into()));
    let refused = guarded.get("/metrics").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("passerelle_"), "{}", refused.body);
    let wrong =
        Request::get("/metrics").header(header::AUTHORIZATION, "Bearer a-long-scrape-token-0124");
    let wrong = guarded
        .send(wrong.body(axum::body::Body::empty()).expect("req"))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let right = Request::get("/metrics").header(header::AUTHORIZATION, format!("Bearer {token}"));
    let right = guarded
        .send(right.body(axum::body::Body::empty()).expect("req"))
        .await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(
        right.body.contains("passerelle_spool_instances 0"),
        "{}",
        right.body
    );
    let mut off = client(&r, |c| c.metrics.enabled = false);
    assert_eq!(off.get("/metrics").await.status, StatusCode::FORBIDDEN);
    r.t.finish().await;
}

#[test]
fn the_metrics_section_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("passerelle.toml");
    let load = |text: &str| {
        std::fs::write(&file, text).expect("write");
        server::config::Config::load(Some(&file))
    };
    let ok =
        load("[metrics]\nallow = [\"10.0.0.0/8\"]\ntoken = \"0123456789abcdef\"\n").expect("valid");
    assert_eq!(
        ok.metrics.allow,
        vec!["10.0.0.0/8".parse::<ipnet::IpNet>().expect("net")]
    );
    let short = load("[metrics]\ntoken = \"short\"\n").expect_err("short token");
    assert!(short.to_string().contains("metrics.token"), "{short}");
    let bad = load("[metrics]\nallow = [\"10.0.0.300/8\"]\n").expect_err("bad network");
    assert!(bad.to_string().contains("allow"), "{bad}");
}
