//! The Storage Commitment Push Model SCP (PS3.4 Annex J) against pynetdicom as the modality, on
//! SQLite and PostgreSQL: the N-EVENT-REPORT on the same association commits every instance the
//! called AE's clinic holds and lists the others in the Failed SOP Sequence (0112 never received
//! or received by another clinic, 0119 another SOP class); a request without a Transaction UID,
//! without references or with another Action Type ID is refused with the reason.

mod common;

use common::kinds;
use common::pacs::{load, passerelle};
use serde_json::{Value, json};
use server::synth;
use std::path::{Path, PathBuf};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const MR: &str = "1.2.840.10008.5.1.4.1.1.4";

/// Sends `requests` over one association to `called`; one JSON answer per request.
fn scu(port: u16, called: &str, requests: Vec<Value>) -> Vec<Value> {
    let plan = json!({ "port": port, "calling": "CT_SALLE1", "called": called,
        "requests": requests });
    common::pynet::run_plan("commitment_scu.py", &plan)
}

/// `n` CT instances of one study; their SOP Instance UIDs and files.
fn instances(dir: &Path, id: &str, n: usize) -> (Vec<String>, Vec<PathBuf>) {
    common::files::ct_series(dir, &synth::new_uid(), id, n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_instances_are_committed_and_the_others_named_with_their_reason() {
    for kind in kinds() {
        let h = passerelle(kind).await;
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.add_local_ae(other, "CLINB").await;
        let dir = h.t.path().join("files");
        let (mine, files) = instances(&dir.join("a"), "SC-1", 2);
        let (theirs, b_files) = instances(&dir.join("b"), "SC-2", 1);
        load("PASSERELLE", h.dicom_port, &files);
        load("CLINB", h.dicom_port, &b_files);
        let never = synth::new_uid();
        let refs = json!([
            [CT, mine[0]],
            [CT, mine[1]],
            [CT, never],
            [MR, mine[1]],
            [CT, theirs[0]]
        ]);
        let r = scu(
            h.dicom_port,
            "PASSERELLE",
            vec![
                json!({ "transaction": "1.2.826.0.1.3680043.10.9.1", "refs": refs }),
                json!({ "transaction": "1.2.826.0.1.3680043.10.9.2",
                    "refs": [[CT, mine[0]]] }),
                json!({ "transaction": "", "refs": [[CT, mine[0]]] }),
                json!({ "transaction": "1.2.826.0.1.3680043.10.9.3", "refs": [] }),
                json!({ "transaction": "1.2.826.0.1.3680043.10.9.4", "action": 2,
                    "refs": [[CT, mine[0]]] }),
            ],
        );
        assert_eq!(r.len(), 5, "{r:?}");
        let first = &r[0];
        assert_eq!(first["status"], 0, "{first}");
        assert_eq!(first["event"], 2, "some failed: {first}");
        assert_eq!(first["transaction"], "1.2.826.0.1.3680043.10.9.1");
        let committed: Vec<&str> = first["committed"]
            .as_array()
            .expect("committed")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            committed,
            vec![mine[0].as_str(), mine[1].as_str()],
            "{first}"
        );
        assert_eq!(
            first["failed"],
            json!([[never, 0x0112], [mine[1], 0x0119], [theirs[0], 0x0112]]),
            "never received, another class, another clinic's: {first}"
        );
        assert_eq!(
            (r[1]["status"].clone(), r[1]["event"].clone()),
            (json!(0), json!(1))
        );
        assert_eq!(r[1]["failed"], json!([]), "{}", r[1]);
        assert_eq!(r[2]["status"], 0x0106, "{}", r[2]);
        assert!(
            r[2]["comment"]
                .as_str()
                .unwrap_or("")
                .contains("Transaction UID")
        );
        assert_eq!(r[3]["status"], 0x0120, "{}", r[3]);
        assert_eq!(r[4]["status"], 0x0123, "{}", r[4]);
        // Clinic B commits its own instance only.
        let b = scu(
            h.dicom_port,
            "CLINB",
            vec![json!({ "transaction": "1.2.826.0.1.3680043.10.9.5",
                "refs": [[CT, theirs[0]], [CT, mine[0]]] })],
        );
        assert_eq!(b[0]["committed"], json!([theirs[0]]), "{}", b[0]);
        assert_eq!(b[0]["failed"], json!([[mine[0], 0x0112]]), "{}", b[0]);
        h.t.finish().await;
    }
}
