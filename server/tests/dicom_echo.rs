//! The DICOM listener against real peers: DCMTK `echoscu` (TCP_NODELAY=1), a wrong called AE
//! title, the idle timeout, and the association cap (transient A-ASSOCIATE-RJ).

use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::ClientAssociationOptions;
use server::dimse::{DicomListener, ScpConfig};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

async fn listener(max_associations: usize, idle_ms: u64) -> SocketAddr {
    let cfg = ScpConfig {
        ae_title: "PASSERELLE".into(),
        max_associations,
        max_pdu: 131_072,
        idle_timeout: Duration::from_millis(idle_ms),
        association_deadline: Duration::from_secs(30),
    };
    let l = DicomListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(l.run());
    addr
}

/// Runs DCMTK's echoscu off the runtime; returns (success, output).
async fn echoscu(addr: SocketAddr, called: &str) -> (bool, String) {
    let called = called.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("echoscu")
            .env("TCP_NODELAY", "1")
            .args(["-v", "-aet", "TESTSCU", "-aec", &called, "-to", "5"])
            .arg(addr.ip().to_string())
            .arg(addr.port().to_string())
            .output()
            .expect("echoscu (Debian package dcmtk) must be installed");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn echoscu_gets_an_answer() {
    let addr = listener(4, 5000).await;
    let (ok, out) = echoscu(addr, "PASSERELLE").await;
    assert!(ok, "{out}");
    assert!(out.contains("Received Echo Response (Success)"), "{out}");
}

#[tokio::test]
async fn unknown_called_ae_title_is_rejected() {
    let addr = listener(4, 5000).await;
    let (ok, out) = echoscu(addr, "SOMEONE-ELSE").await;
    assert!(!ok, "{out}");
    assert!(out.contains("Called AE Title Not Recognized"), "{out}");
}

#[tokio::test]
async fn idle_sockets_are_closed() {
    let addr = listener(4, 800).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let start = Instant::now();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
    assert!(
        matches!(n, Ok(Ok(0)) | Ok(Err(_))),
        "closed, not answered: {n:?}"
    );
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "closed after {took:?}"
    );
}

#[tokio::test]
async fn associations_beyond_the_cap_are_refused_transiently() {
    let addr = listener(1, 5000).await;
    let held = ClientAssociationOptions::new()
        .with_abstract_syntax(VERIFICATION)
        .calling_ae_title("HOLDER")
        .called_ae_title("PASSERELLE")
        .establish_async(addr)
        .await
        .expect("first association");
    let (ok, out) = echoscu(addr, "PASSERELLE").await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("Local Limit Exceeded") && out.contains("Transient"),
        "{out}"
    );
    held.release().await.expect("release");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (ok, out) = echoscu(addr, "PASSERELLE").await;
    assert!(ok, "a slot is free again: {out}");
}
