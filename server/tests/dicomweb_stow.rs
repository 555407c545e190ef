//! STOW-RS (PS3.18 §10.5) with a real client (Python dicomweb-client, chunked above 1 MB) and
//! raw requests, on SQLite and PostgreSQL: a request mixing good instances and a bad one (file
//! meta and data set disagree) answers 202 and stores only the good ones (seen by QIDO, routed
//! by the rules); a study mismatch, garbage and a truncated file are failures (409 when nothing
//! was stored); clinic choice and scope (400 / 403); media types (415 / 400); the session
//! cookie needs the same origin; the size limits (413 at once on Content-Length, 413 while
//! streaming, a part over the data set limit fails alone with A700).

mod common;

use common::Kind;
use common::routes::{Reach, destination, quick_retry, route_all};
use common::web::{Web, python, web};
use domain::Jurisdiction;
use sea_orm::EntityTrait;
use serde_json::Value;
use server::db::routing_entities::forward_job as job;
use server::synth::{self, StudyIds, SynthTs};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const STORE: &str = r#"
import json, sys
import pydicom
from dicomweb_client.api import DICOMwebClient
from requests import HTTPError
url, token, bad_uid, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
c = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
ds = [pydicom.dcmread(f) for f in files]
ds[-1].file_meta.MediaStorageSOPInstanceUID = bad_uid
out = {"mixed": c.store_instances(ds).to_json_dict()}
try:
    c.store_instances([ds[0]], study_instance_uid="2.25.1")
    out["mismatch"] = "stored"
except HTTPError as e:
    out["mismatch"] = {"status": e.response.status_code, "body": e.response.json()}
print(json.dumps(out))
"#;

/// `n` instances of one new study, about `size` bytes each, written to `dir`.
fn study(dir: &Path, n: usize, size: usize) -> (StudyIds, Vec<PathBuf>) {
    let ids = StudyIds::new(7);
    let series = synth::new_uid();
    let files = (1..=n)
        .map(|i| {
            let path = dir.join(format!("{}-{i}.dcm", uuid::Uuid::new_v4().simple()));
            let obj = synth::instance(&ids, &series, i, size);
            synth::write(obj, SynthTs::ExplicitLe, &path).expect("write");
            path
        })
        .collect();
    (ids, files)
}

/// A `multipart/related` body of `parts`; returns (content type, body).
fn multipart(parts: &[Vec<u8>]) -> (String, Vec<u8>) {
    let b = "stow-test-boundary";
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (
        format!("multipart/related; type=\"application/dicom\"; boundary={b}"),
        body,
    )
}

/// POSTs `body` to `{root}{path}`; returns (status, body as JSON or text).
async fn post(url: &str, token: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("http");
    let status = r.status().as_u16();
    let text = r.text().await.expect("text");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn seq<'a>(v: &'a Value, tag: &str) -> Vec<&'a Value> {
    v[tag]["Value"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn text<'a>(item: &'a Value, tag: &str) -> &'a str {
    item[tag]["Value"][0].as_str().unwrap_or("")
}

async fn instances(w: &Web, token: &str, study: &str) -> usize {
    let r = reqwest::Client::new()
        .get(format!("{}/studies/{study}/instances", w.root()))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("qido");
    let v: Value = serde_json::from_str(&r.text().await.expect("text")).unwrap_or(Value::Null);
    v.as_array().map(Vec::len).unwrap_or(0)
}

/// The real client: 3 good instances (~1.2 MB, sent chunked) and one whose file meta names
/// another instance; then one instance into another study.
async fn with_client(w: &Web, token: &str, dir: &Path) {
    let (ids, files) = study(dir, 4, 400 * 1024);
    let bad_uid = synth::new_uid();
    let mut args = vec![w.root(), token.to_owned(), bad_uid.clone()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let (ok, out, err) = python(STORE, &args).await;
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let mixed = &v["mixed"];
    let referenced = seq(mixed, "00081199");
    assert_eq!(referenced.len(), 3, "{mixed}");
    let url = text(referenced[0], "00081190");
    assert!(
        url.starts_with(&format!(
            "http://127.0.0.1:3000/dicomweb/studies/{}/series/",
            ids.study_uid
        )),
        "{url}"
    );
    assert!(url.ends_with(text(referenced[0], "00081155")));
    let failed = seq(mixed, "00081198");
    assert_eq!(failed.len(), 1);
    assert_eq!(text(failed[0], "00081155"), bad_uid);
    assert_eq!(failed[0]["00081197"]["Value"][0], 0xC000);
    assert_eq!(
        text(mixed, "00081190"),
        format!("http://127.0.0.1:3000/dicomweb/studies/{}", ids.study_uid)
    );
    assert_eq!(
        instances(w, token, &ids.study_uid).await,
        3,
        "only the good ones"
    );
    let m = &v["mismatch"];
    assert_eq!(m["status"], 409, "{m}");
    assert_eq!(
        seq(&m["body"], "00081198")[0]["00081197"]["Value"][0],
        0xA900
    );
}

/// STOW-RS instances answered success and failure so far, from `/metrics`.
async fn received(w: &Web) -> (f64, f64) {
    let text = reqwest::get(format!("{}/metrics", w.base))
        .await
        .expect("http")
        .text()
        .await
        .expect("text");
    let series = |outcome: &str| {
        let name =
            format!("passerelle_instances_received_total{{door=\"stow\",outcome=\"{outcome}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(name.as_str())?.parse().ok())
            .unwrap_or(0.0)
    };
    (series("success"), series("failure"))
}

/// Garbage and a truncated file fail on their own (202 beside a good one, 409 alone).
async fn broken_parts(w: &Web, token: &str, dir: &Path) {
    let (ids, files) = study(dir, 2, 64 * 1024);
    let good = std::fs::read(&files[0]).expect("read");
    let whole = std::fs::read(&files[1]).expect("read");
    let truncated = whole[..whole.len() / 2].to_vec();
    let garbage = b"not DICOM at all".to_vec();
    let url = format!("{}/studies", w.root());
    let before = received(w).await;
    let (ct, body) = multipart(&[garbage.clone(), good, truncated.clone()]);
    let (status, v) = post(&url, token, &ct, body).await;
    assert_eq!(status, 202, "{v}");
    let after = received(w).await;
    assert_eq!(after.0 - before.0, 1.0, "one stored, counted on /metrics");
    assert_eq!(
        after.1 - before.1,
        2.0,
        "both broken parts counted as failures"
    );
    assert_eq!(seq(&v, "00081199").len(), 1);
    let failed = seq(&v, "00081198");
    assert_eq!(failed.len(), 2);
    assert!(failed[0].get("00081155").is_none(), "garbage has no UID");
    assert_eq!(failed[0]["00081197"]["Value"][0], 0xC000);
    assert_eq!(failed[1]["00081197"]["Value"][0], 0xC000);
    assert!(
        !text(failed[1], "00081155").is_empty(),
        "from the file meta"
    );
    let (ct, body) = multipart(&[garbage, truncated]);
    let (status, v) = post(&url, token, &ct, body).await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(instances(w, token, &ids.study_uid).await, 1);
}

/// Clinic choice, scope, media types, and the session cookie.
async fn refusals(w: &mut Web, a: i64, b: i64, dir: &Path) {
    let (_, files) = study(dir, 3, 1024);
    let part = |i: usize| vec![std::fs::read(&files[i]).expect("read")];
    let url = format!("{}/studies", w.root());
    let only_a = w.token("only-a", &[a]).await;
    let both = w.token("both", &[a, b]).await;
    let (ct, body) = multipart(&part(0));
    let r = post(&format!("{url}?clinic=CLB"), &only_a, &ct, body.clone()).await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = post(&url, &both, &ct, body.clone()).await;
    assert_eq!(r.0, 400, "several clinics: {}", r.1);
    assert!(r.1.as_str().unwrap_or("").contains("clinic="));
    let r = post(&format!("{url}?clinic=CLB"), &both, &ct, body.clone()).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let only_b = w.token("only-b", &[b]).await;
    let study_b = text(&r.1, "00081190")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        instances(w, &only_b, &study_b).await,
        1,
        "stored in clinic B"
    );
    // A token issued to read only (the default) may not upload; it still reads.
    let reader = w.token_with("reader", &[a], false).await;
    let r = post(&url, &reader, &ct, body.clone()).await;
    assert_eq!(r.0, 403, "{}", r.1);
    assert!(r.1.as_str().unwrap_or("").contains("not upload"), "{}", r.1);
    let read = reqwest::Client::new()
        .get(format!("{}/studies", w.root()))
        .header("Authorization", format!("Bearer {reader}"))
        .send()
        .await
        .expect("http");
    assert_eq!(read.status().as_u16(), 200, "it still searches and reads");
    let r = post(&url, &only_a, "application/dicom", part(1).concat()).await;
    assert_eq!(r.0, 415);
    let json_ct = "multipart/related; type=\"application/dicom+json\"; boundary=x";
    let r = post(&url, &only_a, json_ct, b"--x--".to_vec()).await;
    assert_eq!(r.0, 415);
    assert!(
        r.1.as_str().unwrap_or("").contains("not supported"),
        "{}",
        r.1
    );
    let r = post(
        &url,
        &only_a,
        "multipart/related; type=\"application/dicom\"",
        body,
    )
    .await;
    assert_eq!(r.0, 400, "no boundary");
    let (ct, body) = multipart(&part(2));
    for (origin, expected) in [(None, 403), (Some("http://127.0.0.1:3000"), 400)] {
        let mut rq = http::Request::post("/dicomweb/studies").header("Content-Type", &ct);
        if let Some(o) = origin {
            rq = rq.header("Origin", o);
        }
        let rq = rq
            .body(axum::body::Body::from(body.clone()))
            .expect("request");
        let res = w.here.admin.send(rq).await;
        assert_eq!(
            res.status, expected,
            "cookie, origin {origin:?}: {}",
            res.body
        );
    }
}

/// A second HTTP server over the same state with `max_stow_mib` 3 and `max_dataset_mib` 1.
async fn small_server(w: &Web) -> SocketAddr {
    let mut state = w.here.state.clone();
    let mut cfg = (*state.config).clone();
    cfg.dicomweb.max_stow_mib = 3;
    cfg.dicom.max_dataset_mib = 1;
    state.config = Arc::new(cfg);
    let router = server::http::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

/// Sends `head` then `body` on a raw connection and returns the response's status line.
async fn raw(addr: SocketAddr, head: String, body: Vec<u8>) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(&body).await.expect("body");
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), s.read(&mut buf))
        .await
        .expect("answer in time")
        .expect("read");
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

async fn limits(w: &Web, token: &str, dir: &Path) {
    let addr = small_server(w).await;
    let (ct, _) = multipart(&[]);
    let head = |extra: &str| {
        format!(
            "POST /dicomweb/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: {ct}\r\n{extra}\r\n"
        )
    };
    let line = raw(addr, head("Content-Length: 5242880\r\n"), Vec::new()).await;
    assert!(line.contains(" 413 "), "announced length: {line}");
    let (_, body) = multipart(&[vec![0u8; 3 << 20]]);
    let chunk = format!("{:x}\r\n", body.len()).into_bytes();
    let line = raw(
        addr,
        head("Transfer-Encoding: chunked\r\n"),
        [chunk, body].concat(),
    )
    .await;
    assert!(line.contains(" 413 "), "counted while streaming: {line}");
    let (ids, files) = study(dir, 2, 64 * 1024);
    let (big_ids, big) = study(dir, 1, 1536 * 1024);
    let parts: Vec<Vec<u8>> = [&big[0], &files[0], &files[1]]
        .iter()
        .map(|f| std::fs::read(f).expect("read"))
        .collect();
    let (ct, body) = multipart(&parts);
    let (status, v) = post(&format!("http://{addr}/dicomweb/studies"), token, &ct, body).await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(seq(&v, "00081199").len(), 2);
    assert_eq!(seq(&v, "00081198")[0]["00081197"]["Value"][0], 0xA700);
    assert_eq!(instances(w, token, &ids.study_uid).await, 2);
    assert_eq!(instances(w, token, &big_ids.study_uid).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stow_rs() {
    for kind in common::kinds() {
        run(kind).await;
    }
}

async fn run(kind: Kind) {
    let mut w = web(kind).await;
    let dir = tempfile::tempdir().expect("dir");
    let a = w.here.demo_clinic().await;
    let b = w.here.add_clinic("CLB", "B").await;
    let db = w.here.t.db.clone();
    let reach = Reach::Dimse { ae: "VNA", port: 1 };
    destination(&db, "vna", reach, Jurisdiction::Quebec, quick_retry(), 5).await;
    route_all(&db, &["vna"]).await;
    w.here.state.router.reload(&db).await.expect("rules");
    let token = w.token("uploader", &[a]).await;
    with_client(&w, &token, dir.path()).await;
    let jobs = job::Entity::find().all(&db).await.expect("jobs").len();
    assert_eq!(
        jobs, 3,
        "the routing rule applied to the STOW-stored instances ({kind:?})"
    );
    broken_parts(&w, &token, dir.path()).await;
    refusals(&mut w, a, b, dir.path()).await;
    limits(&w, &token, dir.path()).await;
    w.here.t.finish().await;
}
