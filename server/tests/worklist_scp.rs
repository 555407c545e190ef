//! The Modality Worklist SCP (PS3.4 Annex K) against DCMTK `findscu -W`, on SQLite and
//! PostgreSQL: scheduled orders of the called AE's clinic only, every matching key of §K.6.1.2.2
//! (station AE, start date single and range, start time, modality, patient ID, patient's name
//! with wildcards without case or accents, accession, requested procedure ID), the return keys
//! with the order's Study Instance UID, French names in ISO_IR 100 and ISO_IR 192, unknown keys
//! returned empty (FF01), C-CANCEL over 3,000 answers, and a malformed key answered A900 naming its tag.

mod common;

use common::kinds;
use common::pacs::{Here, passerelle};
use common::registry::{create, physician, procedure};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn person(clinic: i64, mrn: &str, family: &str, given: &str) -> Value {
    json!({ "clinic": clinic, "mrn": mrn, "family_name": family, "given_name": given,
        "birth_date": "1985-01-15", "sex": "female", "language": "fr", "phone": "", "email": "",
        "address": "", "ramq": "" })
}

#[derive(Clone, Copy)]
struct Order<'a> {
    clinic: i64,
    patient: i64,
    procedure: i64,
    doc: Option<i64>,
    when: &'a str,
    station: &'a str,
    modality: &'a str,
    accession: &'a str,
}

async fn order(h: &mut Here, o: Order<'_>) -> Value {
    let body = json!({ "clinic": o.clinic, "patient_id": o.patient, "physician_id": o.doc,
        "procedure_id": o.procedure, "accession": o.accession, "priority": "urgent",
        "reason": "Céphalée", "scheduled_local": o.when, "station_ae": o.station,
        "modality": o.modality });
    let id = create(&mut h.admin, "/api/v1/orders", body).await;
    let r = h.admin.get(&format!("/api/v1/orders/{id}")).await;
    r.json()
}

/// What one findscu run gave: its output and the answers it extracted.
struct Found {
    out: String,
    answers: Vec<(InMemDicomObject, Vec<u8>)>,
}

fn findscu(called: &str, port: u16, dir: &Path, args: &[&str]) -> Found {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("dir");
    let out = Command::new("/usr/bin/findscu")
        .env("TCP_NODELAY", "1")
        .args(["-v", "-W"])
        .args(common::peers::DCMTK_WAIT)
        .args(["-aet", "CT_SALLE1", "-aec", called, "-X", "-od"])
        .arg(dir)
        .args(args)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .expect("findscu (dcmtk)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let answers = files
        .iter()
        .map(|f| {
            let obj = OpenFileOptions::new()
                .open_file(f)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", f.display()));
            (obj.into_inner(), std::fs::read(f).expect("bytes"))
        })
        .collect();
    Found { out: text, answers }
}

fn s(obj: &InMemDicomObject, t: dicom_core::Tag) -> String {
    obj.element(t)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|v| v.trim_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

fn sps(obj: &InMemDicomObject) -> &InMemDicomObject {
    &obj.element(tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE)
        .expect("SPS sequence")
        .items()
        .expect("items")[0]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

const SPS_KEYS: &str = "ScheduledProcedureStepSequence[0].";

fn k(key: &str) -> [String; 2] {
    ["-k".into(), key.into()]
}

/// The keys most modalities send, plus `extra`.
fn query(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "PatientSex",
        "AccessionNumber",
        "StudyInstanceUID",
        "RequestedProcedureID",
        "RequestedProcedureDescription",
        "RequestedProcedurePriority",
        "ReferringPhysicianName",
        "AdmissionID",
        "ReasonForTheRequestedProcedure",
    ]
    .iter()
    .flat_map(|x| k(x))
    .collect();
    for sub in [
        "ScheduledStationAETitle",
        "ScheduledProcedureStepStartDate",
        "ScheduledProcedureStepStartTime",
        "Modality",
        "ScheduledProcedureStepID",
        "ScheduledProcedureStepDescription",
    ] {
        v.extend(k(&format!("{SPS_KEYS}{sub}")));
    }
    for e in extra {
        v.extend(k(e));
    }
    v
}

fn run(h: &Here, dir: &Path, extra: &[&str]) -> Found {
    let q = query(extra);
    let args: Vec<&str> = q.iter().map(String::as_str).collect();
    findscu("PASSERELLE", h.dicom_port, dir, &args)
}

/// Two patients, three scheduled orders and a cancelled one in the demo clinic.
struct Setup {
    first: Value,
    second: Value,
}

async fn setup(h: &mut Here) -> Setup {
    let demo = h.demo_clinic().await;
    let ct = procedure(&mut h.admin, demo).await;
    let doc = physician(&mut h.admin, "123456", demo, None).await;
    let cote = create(
        &mut h.admin,
        "/api/v1/patients",
        person(demo, "0012345", "Côté", "Hélène"),
    )
    .await;
    let jean = create(
        &mut h.admin,
        "/api/v1/patients",
        person(demo, "0067890", "Tremblay", "Jean"),
    )
    .await;
    let base = Order {
        clinic: demo,
        patient: cote,
        procedure: ct,
        doc: Some(doc),
        when: "2026-12-07T10:00",
        station: "CT_SALLE1",
        modality: "CT",
        accession: "ACC-1",
    };
    let first = order(h, base).await;
    let second = order(
        h,
        Order {
            patient: jean,
            when: "2026-12-08T14:30",
            station: "MR_1",
            modality: "MR",
            accession: "ACC-2",
            doc: None,
            ..base
        },
    )
    .await;
    order(
        h,
        Order {
            patient: jean,
            when: "2026-12-09T08:15",
            accession: "ACC-3",
            ..base
        },
    )
    .await;
    let gone = order(
        h,
        Order {
            accession: "ACC-4",
            ..base
        },
    )
    .await;
    let r = h
        .admin
        .post_json(
            &format!("/api/v1/orders/{}/status", gone["row"]["id"]),
            json!({ "status": "cancelled" }),
        )
        .await;
    assert_eq!(r.status, http::StatusCode::OK, "{}", r.body);
    Setup { first, second }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worklist_answers_every_key_from_the_scheduled_orders() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let o = setup(&mut h).await;
        let dir = h.t.path().join("rsp");

        let all = run(&h, &dir, &[]);
        assert_eq!(
            all.answers.len(),
            3,
            "the cancelled order is not offered\n{}",
            all.out
        );

        // The return keys of the first order, in Latin-1 as the modality asked.
        let f = run(
            &h,
            &dir,
            &[
                "SpecificCharacterSet=ISO_IR 100",
                "AccessionNumber=ACC-1",
                "PatientWeight",
            ],
        );
        assert_eq!(f.answers.len(), 1, "{}", f.out);
        let (a, bytes) = &f.answers[0];
        assert_eq!(s(a, tags::PATIENT_NAME), "Côté^Hélène");
        assert!(
            contains(bytes, b"C\xf4t\xe9^H\xe9l\xe8ne"),
            "Latin-1 on the wire"
        );
        assert_eq!(s(a, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 100");
        assert_eq!(
            s(a, tags::STUDY_INSTANCE_UID),
            o.first["study_uid"].as_str().expect("uid")
        );
        assert_eq!(s(a, tags::PATIENT_ID), "0012345");
        assert_eq!(s(a, tags::PATIENT_BIRTH_DATE), "19850115");
        assert_eq!(s(a, tags::PATIENT_SEX), "F");
        assert_eq!(s(a, tags::REQUESTED_PROCEDURE_PRIORITY), "HIGH");
        assert_eq!(s(a, tags::REQUESTED_PROCEDURE_ID), "ACC-1");
        assert_eq!(s(a, tags::REQUESTED_PROCEDURE_DESCRIPTION), "TDM cérébrale");
        assert_eq!(s(a, tags::REFERRING_PHYSICIAN_NAME), "Lavoie^Isabelle");
        assert_eq!(s(a, tags::REASON_FOR_THE_REQUESTED_PROCEDURE), "Céphalée");
        let step = sps(a);
        assert_eq!(s(step, tags::SCHEDULED_STATION_AE_TITLE), "CT_SALLE1");
        assert_eq!(
            s(step, tags::SCHEDULED_PROCEDURE_STEP_START_DATE),
            "20261207"
        );
        assert_eq!(s(step, tags::SCHEDULED_PROCEDURE_STEP_START_TIME), "100000");
        assert_eq!(s(step, tags::MODALITY), "CT");
        assert_eq!(s(step, tags::SCHEDULED_PROCEDURE_STEP_ID), "ACC-1");
        let weight = a
            .element(tags::PATIENT_WEIGHT)
            .expect("an unknown key comes back");
        assert!(dicom_core::header::HasLength::is_empty(weight), "empty");
        assert!(
            f.out.contains("WarningUnsupportedOptionalKeys"),
            "FF01: {}",
            f.out
        );

        // UTF-8 when asked.
        let u = run(
            &h,
            &dir,
            &["SpecificCharacterSet=ISO_IR 192", "AccessionNumber=ACC-1"],
        );
        assert!(
            contains(&u.answers[0].1, "Côté^Hélène".as_bytes()),
            "UTF-8 on the wire"
        );
        assert_eq!(
            s(&u.answers[0].0, tags::SPECIFIC_CHARACTER_SET),
            "ISO_IR 192"
        );

        let count = |extra: &[&str]| run(&h, &dir, extra).answers.len();
        let m = |sub: &str, v: &str| format!("{SPS_KEYS}{sub}={v}");
        assert_eq!(count(&[&m("ScheduledStationAETitle", "CT_SALLE1")]), 2);
        assert_eq!(count(&[&m("ScheduledStationAETitle", "MR*")]), 1);
        assert_eq!(count(&[&m("Modality", "MR")]), 1);
        assert_eq!(
            count(&[&m("ScheduledProcedureStepStartDate", "20261207")]),
            1
        );
        assert_eq!(
            count(&[&m("ScheduledProcedureStepStartDate", "20261208-20261231")]),
            2
        );
        assert_eq!(
            count(&[&m("ScheduledProcedureStepStartDate", "-20261208")]),
            2
        );
        assert_eq!(
            count(&[&m("ScheduledProcedureStepStartTime", "1400-1500")]),
            1
        );
        assert_eq!(count(&["PatientName=cote*"]), 1, "no case, no accents");
        assert_eq!(count(&["PatientName=TREMBLAY^J?AN"]), 2);
        assert_eq!(count(&["PatientID=0067890"]), 2);
        assert_eq!(count(&["AccessionNumber=ACC-2"]), 1);
        assert_eq!(count(&["RequestedProcedureID=ACC-3"]), 1);
        let second = run(&h, &dir, &["AccessionNumber=ACC-2"]);
        assert_eq!(
            s(&second.answers[0].0, tags::STUDY_INSTANCE_UID),
            o.second["study_uid"].as_str().expect("uid")
        );
        assert_eq!(
            s(&second.answers[0].0, tags::REFERRING_PHYSICIAN_NAME),
            "",
            "no physician"
        );

        // -d: findscu dumps the response command set, Error Comment (0000,0902) included.
        let q = query(&[&m("ScheduledProcedureStepStartDate", "2026120")]);
        let mut args: Vec<&str> = q.iter().map(String::as_str).collect();
        args.push("-d");
        let bad = findscu("PASSERELLE", h.dicom_port, &dir, &args);
        assert!(bad.answers.is_empty());
        assert!(bad.out.contains("0xa900"), "{}", bad.out);
        assert!(
            bad.out.contains("(0040,0002)"),
            "the tag is named: {}",
            bad.out
        );

        h.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ae_title_of_another_clinic_sees_none_of_these_orders() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        setup(&mut h).await;
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.add_local_ae(other, "CLINB").await;
        let dir = h.t.path().join("rsp");
        let q = query(&[]);
        let args: Vec<&str> = q.iter().map(String::as_str).collect();
        let f = findscu("CLINB", h.dicom_port, &dir, &args);
        assert!(
            f.out.contains("Association Accepted") || f.out.contains("Received Final"),
            "{}",
            f.out
        );
        assert!(
            f.answers.is_empty(),
            "clinic B sees nothing of the demo clinic: {}",
            f.out
        );
        let mine = findscu("PASSERELLE", h.dicom_port, &dir, &args);
        assert_eq!(mine.answers.len(), 3, "{}", mine.out);
        h.t.finish().await;
    }
}

/// A worklist large enough that Passerelle is still sending when findscu's C-CANCEL-RQ arrives
/// (findscu sends it after reading the first answer): `n` more scheduled orders of the first
/// order's patient and procedure, written straight to the database.
async fn many_orders(h: &Here, like: &Value, n: usize) {
    use sea_orm::TransactionTrait;
    let txn = h.t.db.begin().await.expect("begin");
    for i in 0..n {
        let o = server::db::orders::NewOrder {
            clinic: like["row"]["clinic"].as_i64().expect("clinic"),
            patient_id: like["row"]["patient_id"].as_i64().expect("patient"),
            procedure_id: like["procedure_id"].as_i64().expect("procedure"),
            accession: format!("BULK-{i}"),
            scheduled_at: 1_796_652_000 + i as i64,
            station_ae: "CT_SALLE1".into(),
            modality: "CT".into(),
            study_uid: format!("1.2.826.0.1.3680043.10.3.{i}"),
            source: "ui".into(),
            ..Default::default()
        };
        server::db::orders::insert(&txn, &o, "test")
            .await
            .expect("order");
    }
    txn.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_cancel_stops_the_answers() {
    const BULK: usize = 3000;
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let o = setup(&mut h).await;
        many_orders(&h, &o.first, BULK).await;
        let dir = h.t.path().join("rsp");
        let q = query(&[]);
        let mut args: Vec<&str> = q.iter().map(String::as_str).collect();
        let all = findscu("PASSERELLE", h.dicom_port, &dir, &args);
        assert_eq!(
            all.answers.len(),
            BULK + 3,
            "without a cancel, every answer"
        );
        // C-CANCEL after the first answer stops the others (PS3.7 §9.1.2.1.3), final FE00.
        args.extend(["--cancel", "1"]);
        let c = findscu("PASSERELLE", h.dicom_port, &dir, &args);
        assert!(
            !c.answers.is_empty() && c.answers.len() < BULK,
            "{} answers after the cancel\n{}",
            c.answers.len(),
            &c.out[c.out.len().saturating_sub(2000)..]
        );
        assert!(
            c.out.contains("Matching terminated due to Cancel Request")
                || c.out.contains("MatchingTerminatedDueToCancelRequest"),
            "final status cancel: {:?}",
            &c.out[c.out.len().saturating_sub(2000)..]
        );
        h.t.finish().await;
    }
}
