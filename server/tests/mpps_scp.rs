//! The Modality Performed Procedure Step SCP (PS3.4 Annex F) against pynetdicom as the modality,
//! on SQLite and PostgreSQL: N-CREATE IN PROGRESS and N-SET IN PROGRESS / COMPLETED /
//! DISCONTINUED stored with the series and instances listed, the order's status following;
//! 0111 for an existing SOP Instance UID, 0110 with its comment after a final status, 0112 for
//! an unknown step or one of another clinic, 0120 / 0121 naming the missing attribute, 0106 for
//! a create that is not IN PROGRESS, a UID assigned when the modality gives none, and a step
//! for no known order kept and listed for reconciliation.

mod common;

use common::kinds;
use common::pacs::{Here, passerelle};
use common::registry::{create, procedure};
use serde_json::{Map, Value, json};

/// One response as the SCU saw it.
#[derive(Debug)]
struct Rsp {
    status: u16,
    comment: String,
    attributes: Vec<String>,
    error_id: Option<u16>,
    uid: String,
}

/// Sends `ops` over one association from CT_SALLE1 to `called`.
fn scu(port: u16, called: &str, ops: Vec<Value>) -> Vec<Rsp> {
    let plan = json!({ "port": port, "calling": "CT_SALLE1", "called": called, "ops": ops });
    common::pynet::run_plan("mpps_scu.py", &plan)
        .into_iter()
        .map(|v| Rsp {
            status: v["status"].as_u64().expect("status") as u16,
            comment: v["comment"].as_str().unwrap_or("").to_owned(),
            attributes: v["attributes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            error_id: v["error_id"].as_u64().map(|x| x as u16),
            uid: v["uid"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

fn el(vr: &str, v: &str) -> Value {
    json!({ "vr": vr, "Value": [v] })
}

fn empty(vr: &str) -> Value {
    json!({ "vr": vr })
}

fn seq(items: Vec<Value>) -> Value {
    json!({ "vr": "SQ", "Value": items })
}

/// The N-CREATE data set of a CT step performing the order of `study_uid` / `accession`.
fn create_ds(study_uid: &str, accession: &str) -> Map<String, Value> {
    let step = json!({
        "0020000D": el("UI", study_uid), "00080050": el("SH", accession),
        "00401001": el("SH", accession), "00400009": el("SH", accession),
    });
    let v = json!({
        "00080005": el("CS", "ISO_IR 192"),
        "00400270": seq(vec![step]),
        "00100010": { "vr": "PN", "Value": [{ "Alphabetic": "Côté^Hélène" }] },
        "00100020": el("LO", "0012345"),
        "00400253": el("SH", "PPS-1"), "00400241": el("AE", "CT_SALLE1"),
        "00400244": el("DA", "20261207"), "00400245": el("TM", "101500"),
        "00400250": empty("DA"), "00400251": empty("TM"),
        "00400252": el("CS", "IN PROGRESS"), "00080060": el("CS", "CT"),
        "00400254": el("LO", "TDM cérébrale"), "00400340": empty("SQ"),
    });
    v.as_object().expect("object").clone()
}

fn image(uid: &str) -> Value {
    json!({ "00081150": el("UI", "1.2.840.10008.5.1.4.1.1.2"), "00081155": el("UI", uid) })
}

/// The Performed Series Sequence: two series, three images.
fn series() -> Value {
    seq(vec![
        json!({ "0020000E": el("UI", "1.2.826.0.1.9.1"), "0008103E": el("LO", "Axial"),
            "00081140": seq(vec![image("1.2.826.0.1.9.1.1"), image("1.2.826.0.1.9.1.2")]) }),
        json!({ "0020000E": el("UI", "1.2.826.0.1.9.2"),
            "00081140": seq(vec![image("1.2.826.0.1.9.2.1")]) }),
    ])
}

fn op(kind: &str, uid: Option<&str>, ds: Map<String, Value>) -> Value {
    json!({ "op": kind, "uid": uid, "dataset": Value::Object(ds) })
}

fn set_ds(fields: Value) -> Map<String, Value> {
    fields.as_object().expect("object").clone()
}

/// A patient and two scheduled CT orders in the demo clinic; returns the orders.
async fn setup(h: &mut Here) -> (Value, Value) {
    let demo = h.demo_clinic().await;
    let ct = procedure(&mut h.admin, demo).await;
    let patient = json!({ "clinic": demo, "mrn": "0012345", "family_name": "Côté",
        "given_name": "Hélène", "birth_date": "1985-01-15", "sex": "female", "language": "fr",
        "phone": "", "email": "", "address": "", "ramq": "" });
    let p = create(&mut h.admin, "/api/v1/patients", patient).await;
    let mut out = Vec::new();
    for acc in ["MP-1", "MP-2"] {
        let body = json!({ "clinic": demo, "patient_id": p, "physician_id": null,
            "procedure_id": ct, "accession": acc, "priority": "routine", "reason": "",
            "scheduled_local": "2026-12-07T10:00", "station_ae": "CT_SALLE1",
            "modality": "CT" });
        let id = create(&mut h.admin, "/api/v1/orders", body).await;
        out.push(h.admin.get(&format!("/api/v1/orders/{id}")).await.json());
    }
    (out.remove(0), out.remove(0))
}

async fn order(h: &mut Here, o: &Value) -> Value {
    h.admin
        .get(&format!("/api/v1/orders/{}", o["row"]["id"]))
        .await
        .json()
}

fn keys(o: &Value) -> (String, String) {
    (
        o["study_uid"].as_str().expect("uid").to_owned(),
        o["row"]["accession"]
            .as_str()
            .expect("accession")
            .to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modality_reports_its_step_and_the_order_follows() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let (first, _) = setup(&mut h).await;
        let (uid, acc) = keys(&first);
        let pps = "1.2.826.0.1.3680043.10.1.1";
        let ended = json!({ "00400252": el("CS", "COMPLETED"), "00400250": el("DA", "20261207"),
            "00400251": el("TM", "103000") });
        let r = scu(
            h.dicom_port,
            "PASSERELLE",
            vec![
                op("create", Some(pps), create_ds(&uid, &acc)),
                op("create", Some(pps), create_ds(&uid, &acc)),
                op("set", Some(pps), set_ds(json!({ "00400340": series() }))),
                op("set", Some(pps), set_ds(ended.clone())),
                op("set", Some(pps), set_ds(ended)),
                op(
                    "set",
                    Some("1.2.826.0.1.3680043.10.1.99"),
                    set_ds(json!({ "00400340": series() })),
                ),
            ],
        );
        assert_eq!(r.len(), 6, "{r:?}");
        assert_eq!((r[0].status, r[0].uid.as_str()), (0, pps), "created: {r:?}");
        assert_eq!(r[1].status, 0x0111, "duplicate SOP instance: {r:?}");
        assert_eq!(r[2].status, 0, "series listed: {r:?}");
        assert_eq!(r[3].status, 0, "completed: {r:?}");
        assert_eq!(r[4].status, 0x0110, "{r:?}");
        assert!(r[4].comment.contains("may no longer be updated"), "{r:?}");
        assert_eq!(r[4].error_id, Some(0xA710), "{r:?}");
        assert_eq!(r[5].status, 0x0112, "no such instance: {r:?}");

        let o = order(&mut h, &first).await;
        assert_eq!(o["row"]["status"], "completed", "{o}");
        let steps = o["steps"].as_array().expect("steps");
        assert_eq!(steps.len(), 1, "{o}");
        let s = &steps[0];
        assert_eq!(s["sop_instance_uid"], pps);
        assert_eq!(s["status"], "completed");
        assert_eq!(s["pps_id"], "PPS-1");
        assert_eq!(s["station_ae"], "CT_SALLE1");
        assert_eq!(s["description"], "TDM cérébrale", "UTF-8 kept");
        assert_eq!(s["started"], "2026-12-07 10:15");
        assert_eq!(s["ended"], "2026-12-07 10:30");
        assert_eq!(
            (s["series"].as_u64(), s["instances"].as_u64()),
            (Some(2), Some(3))
        );
        let history: Vec<&str> = o["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["note"].as_str())
            .collect();
        assert!(
            history.iter().any(|n| n.contains("IN PROGRESS"))
                && history.iter().any(|n| n.contains("COMPLETED")),
            "the order's history says why: {history:?}"
        );
        h.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_name_the_attribute_and_steps_stay_in_their_clinic() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let (_, second) = setup(&mut h).await;
        let (uid, acc) = keys(&second);
        let mut no_id = create_ds(&uid, &acc);
        no_id.remove("00400253");
        let mut empty_modality = create_ds(&uid, &acc);
        empty_modality.insert("00080060".into(), empty("CS"));
        let mut done = create_ds(&uid, &acc);
        done.insert("00400252".into(), el("CS", "COMPLETED"));
        let r = scu(
            h.dicom_port,
            "PASSERELLE",
            vec![
                op("create", Some("1.2.826.0.1.3680043.10.2.1"), no_id),
                op("create", Some("1.2.826.0.1.3680043.10.2.2"), empty_modality),
                op("create", Some("1.2.826.0.1.3680043.10.2.3"), done),
                op("create", None, create_ds(&uid, &acc)),
                op(
                    "create",
                    Some("1.2.826.0.1.3680043.10.2.9"),
                    create_ds("1.2.826.0.1.3680043.10.2.77", "UNKNOWN-1"),
                ),
            ],
        );
        assert_eq!(r[4].status, 0, "a step for no known order is kept: {r:?}");
        let unmatched = h.admin.get("/api/v1/reconcile/steps").await.json();
        let list = unmatched.as_array().expect("list");
        assert_eq!(
            list.len(),
            1,
            "only the step that names no order: {unmatched}"
        );
        assert_eq!(list[0]["accession"], "UNKNOWN-1");
        assert_eq!(list[0]["patient_name"], "Côté^Hélène");
        assert_eq!(list[0]["calling_ae"], "CT_SALLE1");
        assert_eq!(list[0]["step"]["status"], "in_progress");
        assert_eq!(r[0].status, 0x0120, "{r:?}");
        assert_eq!(r[0].attributes, ["00400253"], "{r:?}");
        assert!(r[0].comment.contains("(0040,0253)"), "{r:?}");
        assert_eq!(
            (r[1].status, r[1].attributes.as_slice()),
            (0x0121, &["00080060".to_owned()][..])
        );
        assert_eq!(r[2].status, 0x0106, "{r:?}");
        assert_eq!(r[3].status, 0, "{r:?}");
        let assigned = r[3].uid.clone();
        assert!(
            assigned.starts_with("2.25.") || assigned.contains('.'),
            "{r:?}"
        );
        assert_eq!(order(&mut h, &second).await["row"]["status"], "in_progress");

        // An AE title of another clinic cannot touch the demo clinic's step.
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.add_local_ae(other, "CLINB").await;
        let stop = json!({ "00400252": el("CS", "DISCONTINUED"), "00400250": el("DA", "20261207"),
            "00400251": el("TM", "1040"),
            "00400281": seq(vec![json!({ "00080100": el("SH", "110514"),
                "00080102": el("SH", "DCM"),
                "00080104": el("LO", "Incorrect worklist entry selected") })]) });
        let theirs = scu(
            h.dicom_port,
            "CLINB",
            vec![op("set", Some(&assigned), set_ds(stop.clone()))],
        );
        assert_eq!(theirs[0].status, 0x0112, "{theirs:?}");
        let no_end = json!({ "00400252": el("CS", "DISCONTINUED") });
        let mine = scu(
            h.dicom_port,
            "PASSERELLE",
            vec![
                op("set", Some(&assigned), set_ds(no_end)),
                op("set", Some(&assigned), set_ds(stop)),
            ],
        );
        assert_eq!(mine[0].status, 0x0120, "end date needed: {mine:?}");
        assert_eq!(mine[0].attributes, ["00400250"], "{mine:?}");
        assert_eq!(mine[1].status, 0, "{mine:?}");
        let o = order(&mut h, &second).await;
        assert_eq!(o["row"]["status"], "discontinued", "{o}");
        assert_eq!(
            o["steps"][0]["discontinue_reason"],
            "Incorrect worklist entry selected"
        );
        h.t.finish().await;
    }
}
