//! The ingest contract under kill -9: every instance that storescu saw acknowledged is indexed
//! and intact after a restart. Runs the real binary, on SQLite and PostgreSQL, three times each.

mod common;

use common::peers::{DCMTK_WAIT, Proc, free_port, serve};
use common::{Kind, TestDb, kinds};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::db::index_entities::instance;
use server::synth::{self, SynthTs};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Sends `files` with storescu, kills Passerelle with SIGKILL after `kill_after` acknowledged
/// instances; returns how many storescu saw acknowledged. storescu waits at most 30 s for any
/// answer (`-ta`, `-td`), and a watchdog ends it after two minutes, so a server that stops
/// answering fails the test instead of hanging it.
fn send_and_kill(dicom: u16, files: &[PathBuf], server: &mut Proc, kill_after: usize) -> usize {
    let mut scu = Command::new("storescu")
        .env("TCP_NODELAY", "1")
        .args(["-v", "-to", "10"])
        .args(DCMTK_WAIT)
        .args(["-aec", "PASSERELLE", "127.0.0.1", &dicom.to_string()])
        .args(files)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("storescu");
    let pid = scu.id().to_string();
    let (done, watch) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if watch.recv_timeout(Duration::from_secs(120)).is_err() {
            eprintln!("storescu still running after 120 s: ending it");
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let out = BufReader::new(scu.stderr.take().expect("stderr"));
    let mut acked = 0;
    for line in out.lines().map_while(Result::ok) {
        if line.contains("Received Store Response (Success)") {
            acked += 1;
            if acked == kill_after {
                let _ = server.0.kill(); // SIGKILL
            }
        }
    }
    let _ = scu.wait();
    let _ = done.send(());
    let _ = server.0.kill(); // already dead unless the kill point was never reached
    let _ = server.0.wait();
    acked
}

fn sop_uid(path: &Path) -> String {
    let obj = dicom_object::open_file(path).expect("open");
    obj.element(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        .expect("uid")
        .to_str()
        .expect("str")
        .trim_end_matches('\0')
        .to_owned()
}

async fn run(kind: Kind) {
    let t = TestDb::new(kind).await;
    let files_dir = tempfile::tempdir().expect("dir");
    let files = synth::write_studies(files_dir.path(), 1, 120, 48 * 1024, SynthTs::ExplicitLe)
        .expect("synth");
    let data = t.path().join("data");
    let dicom = free_port();
    let mut sent = 0;
    for round in 0..3 {
        let mut server = serve(&data, &t.url, dicom, &[]);
        let batch = &files[round * 40..(round + 1) * 40];
        let acked = send_and_kill(dicom, batch, &mut server, 15 + round * 5);
        assert!(acked >= 15, "round {round}: only {acked} acknowledged");
        assert!(
            acked < batch.len(),
            "round {round}: the kill landed mid-transfer ({acked} acked)"
        );
        sent += acked;
        let server = serve(&data, &t.url, dicom, &[]); // restart on the same data
        for f in &batch[..acked] {
            let row = instance::Entity::find()
                .filter(instance::Column::SopInstanceUid.eq(sop_uid(f)))
                .one(&t.db)
                .await
                .expect("query")
                .unwrap_or_else(|| panic!("round {round}: acknowledged instance lost"));
            let on_disk = std::fs::metadata(data.join("spool").join(&row.spool_path))
                .expect("spool file")
                .len();
            assert_eq!(on_disk, row.size as u64, "round {round}: spool file intact");
        }
        drop(server);
    }
    assert!(sent >= 45);
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_instances_survive_kill_9() {
    for kind in kinds() {
        run(kind).await;
    }
}
