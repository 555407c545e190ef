//! WADO-RS streams: retrieving a 256 MB study does not hold it in memory (the peak resident
//! size of the process grows by far less than the study while a client reads the answer).

mod common;

use common::Kind;
use common::rig::synthetic_request;
use common::web::web;
use server::synth::{StudyIds, new_uid};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_study_is_streamed() {
    let mut w = web(Kind::Sqlite).await;
    let clinic = w.here.demo_clinic().await;
    let ingest = w.here.state.ingest.get().expect("ingest").clone();
    let (ids, series) = (StudyIds::new(9), new_uid());
    let (n, size) = (128, 2 << 20);
    for chunk in (1..=n).collect::<Vec<_>>().chunks(8) {
        let batch = chunk
            .iter()
            .map(|i| synthetic_request(clinic, &ids, &series, *i, size))
            .collect();
        assert!(
            ingest
                .store_batch(batch)
                .await
                .iter()
                .all(|r| r.status == 0)
        );
    }
    let token = w.token("stream", &[clinic]).await;
    let before = peak_rss_kib();
    let res = reqwest::Client::new()
        .get(format!("{}/studies/{}", w.root(), ids.study_uid))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("http");
    assert_eq!(res.status(), 200);
    let mut res = res;
    let mut total = 0usize;
    while let Some(chunk) = res.chunk().await.expect("chunk") {
        total += chunk.len();
    }
    let grown_mib = (peak_rss_kib() - before) / 1024;
    assert!(total > n * size, "the whole study came: {total} bytes");
    assert!(
        grown_mib < 96,
        "streamed, not buffered: peak RSS grew by {grown_mib} MiB for a {} MiB study",
        total >> 20
    );
    w.here.t.finish().await;
}
