//! The DICOM listener against real peers: DCMTK `echoscu` (TCP_NODELAY=1), a wrong called AE
//! title, the idle timeout, and the association cap (transient A-ASSOCIATE-RJ), shared by the
//! main listener and the dedicated ports.

use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::ClientAssociationOptions;
use domain::views::LocalAeView;
use domain::{AeTitle, CallerPolicy, ClinicId};
use server::dimse::{AeRegistry, DicomListener, ScpConfig, Snapshot};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

fn ae(s: &str) -> AeTitle {
    AeTitle::parse(s).expect("ae")
}

/// PASSERELLE (any caller), LISTED (only CT1) and OFF (disabled).
fn registry() -> Arc<AeRegistry> {
    let mut snap = Snapshot::default();
    let local = |id, title: &str, enabled, policy, listed: Vec<AeTitle>| LocalAeView {
        id,
        clinic: ClinicId(1),
        ae_title: ae(title),
        enabled,
        caller_policy: policy,
        allowed_callers: listed,
        port: None,
    };
    for l in [
        local(1, "PASSERELLE", true, CallerPolicy::Any, vec![]),
        local(2, "LISTED", true, CallerPolicy::Listed, vec![ae("CT1")]),
        local(3, "OFF", false, CallerPolicy::Any, vec![]),
    ] {
        snap.locals.insert(l.ae_title.clone(), l);
    }
    Arc::new(AeRegistry::new(snap))
}

async fn listener(max_associations: usize, idle_ms: u64) -> SocketAddr {
    let cfg = ScpConfig {
        max_dataset: 1 << 20,
        max_associations,
        max_pdu: 131_072,
        idle_timeout: Duration::from_millis(idle_ms),
        association_deadline: Duration::from_secs(30),
    };
    let l = DicomListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)), cfg, registry(), None)
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(l.run());
    addr
}

/// Runs DCMTK's echoscu off the runtime; returns (success, output).
async fn echoscu(addr: SocketAddr, called: &str) -> (bool, String) {
    echoscu_as(addr, "TESTSCU", called).await
}

async fn echoscu_as(addr: SocketAddr, calling: &str, called: &str) -> (bool, String) {
    let (calling, called) = (calling.to_owned(), called.to_owned());
    tokio::task::spawn_blocking(move || {
        let out = Command::new("echoscu")
            .env("TCP_NODELAY", "1")
            .args(["-v", "-aet", &calling, "-aec", &called, "-to", "5"])
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
async fn disabled_ae_and_unlisted_callers_are_rejected() {
    let addr = listener(4, 5000).await;
    let (ok, out) = echoscu(addr, "OFF").await;
    assert!(
        !ok && out.contains("Called AE Title Not Recognized"),
        "{out}"
    );
    let (ok, out) = echoscu_as(addr, "INTRUDER", "LISTED").await;
    assert!(
        !ok && out.contains("Calling AE Title Not Recognized"),
        "{out}"
    );
    let (ok, out) = echoscu_as(addr, "CT1", "LISTED").await;
    assert!(ok, "listed caller admitted: {out}");
}

#[tokio::test]
async fn our_echo_scu_talks_to_dcmtk_storescp() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let mut scp = Command::new("storescp")
        .env("TCP_NODELAY", "1")
        .args(["-aet", "STORESCP", "--fork", "-od", "/tmp"])
        .arg(port.to_string())
        .spawn()
        .expect("storescp (Debian package dcmtk)");
    let peer = server::dimse::scu::Peer {
        ae_title: "STORESCP".into(),
        host: "127.0.0.1".into(),
        port,
        tls: false,
    };
    let mut result = Err(server::dimse::scu::ScuError::NoContext);
    for _ in 0..50 {
        result = server::dimse::scu::echo("PASSERELLE", &peer, Duration::from_secs(5)).await;
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rtt = result.expect("C-ECHO to storescp");
    assert!(rtt < Duration::from_secs(1), "round trip {rtt:?}");
    let down = server::dimse::scu::Peer { port: 1, ..peer };
    assert!(
        server::dimse::scu::echo("PASSERELLE", &down, Duration::from_secs(2))
            .await
            .is_err()
    );
    let _ = scp.kill();
    let _ = scp.wait();
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

/// An association to PASSERELLE at `addr`, held open until released.
async fn hold(
    addr: SocketAddr,
) -> dicom_ul::association::client::AsyncClientAssociation<tokio::net::TcpStream> {
    ClientAssociationOptions::new()
        .with_abstract_syntax(VERIFICATION)
        .calling_ae_title("HOLDER")
        .called_ae_title("PASSERELLE")
        .establish_async(addr)
        .await
        .expect("first association")
}

#[tokio::test]
async fn associations_beyond_the_cap_are_refused_transiently() {
    let addr = listener(1, 5000).await;
    let held = hold(addr).await;
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

/// One association held on the main listener fills a cap of one shared with a dedicated port.
#[tokio::test]
async fn the_cap_counts_the_associations_of_every_listener() {
    let registry = registry();
    let port = free_port();
    let mut snap = (*registry.snapshot()).clone();
    let listed = snap.locals.get_mut(&ae("LISTED")).expect("LISTED");
    listed.caller_policy = CallerPolicy::Any;
    listed.port = Some(domain::Port::new(u32::from(port)).expect("port"));
    registry.replace(snap);
    let cfg = ScpConfig {
        max_dataset: 1 << 20,
        max_associations: 1,
        max_pdu: 131_072,
        idle_timeout: Duration::from_secs(5),
        association_deadline: Duration::from_secs(30),
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(1));
    let main = DicomListener::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        cfg.clone(),
        registry.clone(),
        None,
    )
    .await
    .expect("bind")
    .sharing(slots.clone());
    let addr = main.local_addr().expect("addr");
    tokio::spawn(main.run());
    let mut ports = server::dimse::DedicatedPorts::new([127, 0, 0, 1].into(), cfg, registry, None)
        .sharing(slots);
    ports.reconcile().await;
    let held = hold(addr).await;
    let dedicated = SocketAddr::from(([127, 0, 0, 1], port));
    let (ok, out) = echoscu(dedicated, "LISTED").await;
    assert!(!ok && out.contains("Local Limit Exceeded"), "{out}");
    held.release().await.expect("release");
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let (ok, out) = echoscu(dedicated, "LISTED").await;
        if ok {
            break;
        }
        assert!(Instant::now() < end, "no slot freed: {out}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn an_ae_title_can_have_a_dedicated_port() {
    let registry = registry();
    let port = free_port();
    let mut snap = (*registry.snapshot()).clone();
    let listed = snap.locals.get_mut(&ae("LISTED")).expect("LISTED");
    listed.caller_policy = CallerPolicy::Any;
    listed.port = Some(domain::Port::new(u32::from(port)).expect("port"));
    registry.replace(snap.clone());
    let cfg = ScpConfig {
        max_dataset: 1 << 20,
        max_associations: 4,
        max_pdu: 131_072,
        idle_timeout: Duration::from_secs(5),
        association_deadline: Duration::from_secs(30),
    };
    let mut ports =
        server::dimse::DedicatedPorts::new([127, 0, 0, 1].into(), cfg, registry.clone(), None);
    ports.reconcile().await;
    assert_eq!(ports.open_ports(), vec![port]);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let (ok, out) = echoscu(addr, "LISTED").await;
    assert!(ok, "{out}");
    let (ok, out) = echoscu(addr, "PASSERELLE").await;
    assert!(
        !ok && out.contains("Called AE Title Not Recognized"),
        "only its own AE title there: {out}"
    );
    // Port removed from the configuration: closed.
    snap.locals.get_mut(&ae("LISTED")).expect("LISTED").port = None;
    registry.replace(snap);
    ports.reconcile().await;
    assert!(ports.open_ports().is_empty());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port closed"
    );
}
