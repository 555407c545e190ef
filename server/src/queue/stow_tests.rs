//! The STOW-RS sender against a destination that closes a kept-alive connection at the moment
//! it is reused (as Orthanc does after its one-second keep-alive).

use super::{StowAuth, StowTarget, send};
use crate::queue::{Item, Sent};
use crate::storage::{MetaInfo, Spool};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads more of the stream into `buf`; false at its end.
async fn more(s: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 65536];
    match s.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body); false at end of stream.
async fn read_request(s: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if !more(s, &mut buf).await {
            return false;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        if !more(s, &mut buf).await {
            return false;
        }
    }
    true
}

/// A 200 answer listing `uid` in the Referenced SOP Sequence (PS3.18 §10.5.3).
fn stored(uid: &str) -> String {
    let body = format!(
        r#"{{"00081199":{{"vr":"SQ","Value":[{{"00081155":{{"vr":"UI","Value":["{uid}"]}}}}]}}}}"#
    );
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// First connection: answers the first request, reads the second and closes without an
/// answer. Every later connection answers every request.
async fn closes_on_reuse(listener: TcpListener, uid: &'static str) {
    let Ok((mut first, _)) = listener.accept().await else {
        return;
    };
    if read_request(&mut first).await {
        let _ = first.write_all(stored(uid).as_bytes()).await;
    }
    let _ = read_request(&mut first).await;
    drop(first);
    while let Ok((mut s, _)) = listener.accept().await {
        tokio::spawn(async move {
            while read_request(&mut s).await {
                if s.write_all(stored(uid).as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[tokio::test]
async fn a_kept_alive_connection_closed_on_reuse_is_sent_again_on_a_new_one() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.dcm");
    let meta = MetaInfo {
        sop_class_uid: "1.2.840.10008.5.1.4.1.1.7",
        sop_instance_uid: "1.2.3",
        transfer_syntax: "1.2.840.10008.1.2.1",
    };
    let dataset = b"data set bytes the sender does not parse";
    let mut file = Spool::header(&meta).expect("header");
    file.extend_from_slice(dataset);
    std::fs::write(&path, &file).expect("file");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(closes_on_reuse(listener, "1.2.3"));
    let target = StowTarget {
        base_url: format!("http://127.0.0.1:{port}/dicom-web"),
        auth: StowAuth::None,
    };
    let items = [Item {
        job_id: 1,
        sop_class: "1.2.840.10008.5.1.4.1.1.7".into(),
        sop_instance: "1.2.3".into(),
        transfer_syntax: "1.2.840.10008.1.2.1".into(),
        path,
        size: file.len(),
        digest: crate::storage::digest(dataset),
    }];
    for round in 1..=2 {
        let out = send(&target, "9.9", Duration::from_secs(5), &items).await;
        assert_eq!(out, vec![Sent::Ok(None)], "request {round}");
    }
}
