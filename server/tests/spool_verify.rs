//! `spool verify` on a spool with one copy damaged and one missing: both reported with their
//! fault, the intact one not; after the sender sends the study again, nothing is reported.

mod common;

use common::kinds;
use common::rig::{rig, spool_files};
use common::routes::{files, send};
use server::ingest::ConflictPolicy;
use server::storage::Spool;
use server::storage::verify::{Fault, verify};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_and_missing_copies_are_reported_until_repaired() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let spool = Spool::open(&r.spool_dir).expect("spool");
        let files = files(&r, 1, 3);
        send(&r, &files).await;
        let clean = verify(&r.t.db, &spool).await.expect("verify");
        assert_eq!((clean.checked, clean.damaged.len()), (3, 0));
        let copies = spool_files(&r.spool_dir);
        let mut bytes = std::fs::read(&copies[0]).expect("read");
        let half = bytes.len() / 2;
        bytes[half..].fill(0);
        std::fs::write(&copies[0], bytes).expect("damage");
        std::fs::remove_file(&copies[1]).expect("remove");
        let report = verify(&r.t.db, &spool).await.expect("verify");
        assert_eq!(report.checked, 3);
        let mut faults: Vec<&str> = report.damaged.iter().map(|d| d.fault.as_str()).collect();
        faults.sort_unstable();
        assert_eq!(faults, [Fault::Differs.as_str(), Fault::Missing.as_str()]);
        send(&r, &files).await;
        let repaired = verify(&r.t.db, &spool).await.expect("verify");
        assert_eq!(
            (repaired.checked, repaired.damaged.len()),
            (3, 0),
            "the sender's retry repaired both: {:?}",
            repaired.damaged
        );
        r.t.finish().await;
    }
}
