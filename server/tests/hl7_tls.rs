//! MLLP over TLS (`[hl7] tls_listen`), with the certificate handling of DICOM TLS: a sender
//! presenting a certificate of the configured CA (Python's ssl module as the peer) gets its
//! ACK and the order is applied; one without a certificate, or speaking plain MLLP to the TLS
//! port, gets nothing and nothing is stored. SQLite and PostgreSQL.

mod common;

use common::hl7::{orm, start};
use common::pki::{path, pki};
use common::{TestDb, kinds};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::db::registry_entities::{hl7_message, order};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one framed message with Python's ssl client; returns (exit code, stdout, stderr).
fn python_send(addr: SocketAddr, pki: &Path, client_cert: bool, text: &str) -> (i32, String) {
    let script = r#"
import socket, ssl, sys
port, ca, cert, key, msg = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
if cert:
    ctx.load_cert_chain(cert, key)
try:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"\x0b" + msg.replace("\n", "\r").encode() + b"\x1c\x0d")
            buf = b""
            while b"\x1c\x0d" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    print("closed"); sys.exit(2)
                buf += chunk
            print(buf[1:buf.index(b"\x1c")].decode().replace("\r", "\n"))
except (ssl.SSLError, ConnectionError, OSError) as e:
    print(f"refused: {e}"); sys.exit(3)
"#;
    let file = |n: &str| path(pki, n).to_string_lossy().into_owned();
    let (cert, key) = if client_cert {
        (file("client.pem"), file("client.key"))
    } else {
        (String::new(), String::new())
    };
    let out = Command::new("python3")
        .args(["-c", script, &addr.port().to_string(), &file("ca.pem")])
        .args([cert, key, text.to_owned()])
        .output()
        .expect("python3");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mllp_over_tls_needs_a_certificate_of_the_ca() {
    let dir = tempfile::tempdir().expect("dir");
    pki(dir.path());
    for kind in kinds() {
        let d = dir.path().to_owned();
        let r = start(TestDb::new(kind).await, |c| {
            c.hl7.listen = None;
            c.hl7.tls_listen = Some("127.0.0.1:0".parse().expect("addr"));
            c.hl7.tls_cert_file = Some(path(&d, "server.pem"));
            c.hl7.tls_key_file = Some(path(&d, "server.key"));
            c.hl7.tls_client_ca_file = Some(path(&d, "ca.pem"));
        })
        .await;
        let (addr, pki_dir) = (r.addr, dir.path().to_owned());
        let msg = orm("T1", "0012345", "ACC-T1", "CT-HEAD");
        let (code, ack) =
            tokio::task::spawn_blocking(move || python_send(addr, &pki_dir, true, &msg))
                .await
                .expect("join");
        assert_eq!(code, 0, "{ack}");
        assert!(ack.contains("MSA|AA|T1"), "{ack}");
        let (addr, pki_dir) = (r.addr, dir.path().to_owned());
        let msg = orm("T2", "0012345", "ACC-T2", "CT-HEAD");
        let (code, out) =
            tokio::task::spawn_blocking(move || python_send(addr, &pki_dir, false, &msg))
                .await
                .expect("join");
        assert_ne!(code, 0, "no client certificate, no ACK: {out}");
        // Plain MLLP to the TLS port: not a TLS handshake, closed without an ACK (at most a
        // TLS alert).
        let mut plain = tokio::net::TcpStream::connect(r.addr)
            .await
            .expect("connect");
        let frame = domain::hl7::mllp::frame(orm("T3", "0012345", "ACC-T3", "CT-HEAD").as_bytes());
        plain.write_all(&frame).await.expect("write");
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut got)).await;
        assert!(read.is_ok(), "closed by the server");
        assert!(
            !String::from_utf8_lossy(&got).contains("MSA"),
            "no ACK in plain text"
        );
        let stored = hl7_message::Entity::find().count(&r.t.db).await.expect("q");
        assert_eq!(stored, 1, "only the message that came through TLS");
        assert_eq!(order::Entity::find().count(&r.t.db).await.expect("q"), 1);
        r.t.finish().await;
    }
}
