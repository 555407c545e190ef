//! The Query/Retrieve SCP over Passerelle's index (PS3.4 Annex C) against DCMTK `findscu`,
//! `movescu` and `getscu`, with Orthanc as the move destination, on SQLite and PostgreSQL:
//! C-FIND at the patient, study, series and image levels of both models (counts, French names
//! in UTF-8), refusals (unknown level, PATIENT in Study Root, a key below the level: A900 naming
//! it; C-MOVE to an unknown node or a node of another clinic: A801), C-MOVE and C-GET of a
//! study with their sub-operation counts, C-CANCEL of a C-FIND, and two clinics that never see
//! or retrieve each other's studies over many random queries.

mod common;

use common::kinds;
use common::pacs::{Here, load, passerelle};
use common::peers::{DCMTK_WAIT, orthanc};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use domain::NodeRole;
use server::synth::{self, StudyIds, SynthTs};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a DCMTK tool printed and the answers it wrote.
struct Ran {
    out: String,
    answers: Vec<InMemDicomObject>,
}

/// Runs `tool` (findscu, movescu, getscu) from `QR_SCU` to `called`, writing what it receives
/// into `dir`.
fn dcmtk(tool: &str, called: &str, port: u16, dir: &Path, args: &[&str]) -> Ran {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("dir");
    let mut cmd = Command::new(format!("/usr/bin/{tool}"));
    cmd.env("TCP_NODELAY", "1")
        .arg("-v")
        .args(DCMTK_WAIT)
        .args(["-aet", "QR_SCU", "-aec", called]);
    if tool != "movescu" {
        cmd.arg("-od").arg(dir);
    }
    if tool == "findscu" {
        cmd.arg("-X");
    }
    let out = cmd
        .args(args)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .unwrap_or_else(|e| panic!("{tool} (dcmtk): {e}"));
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
            OpenFileOptions::new()
                .open_file(f)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", f.display()))
                .into_inner()
        })
        .collect();
    Ran { out: text, answers }
}

fn find(h: &Here, called: &str, dir: &Path, args: &[&str]) -> Ran {
    dcmtk("findscu", called, h.dicom_port, dir, args)
}

fn s(obj: &InMemDicomObject, t: dicom_core::Tag) -> String {
    obj.element(t)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|v| v.trim_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

fn uids(r: &Ran, t: dicom_core::Tag) -> Vec<String> {
    let mut v: Vec<String> = r.answers.iter().map(|a| s(a, t)).collect();
    v.sort();
    v
}

/// A study of `series` series of `per` CT instances each, its names in UTF-8; its files.
fn study(dir: &Path, name: &str, id: &str, series: usize, per: usize) -> (String, Vec<PathBuf>) {
    std::fs::create_dir_all(dir).expect("dir");
    let mut ids = StudyIds::new(1);
    ids.patient_name = name.to_owned();
    ids.patient_id = id.to_owned();
    let mut files = Vec::new();
    for se in 0..series {
        let series_uid = synth::new_uid();
        for n in 1..=per {
            let mut obj = synth::instance(&ids, &series_uid, n, 512);
            obj.put(DataElement::new(
                tags::SPECIFIC_CHARACTER_SET,
                VR::CS,
                PrimitiveValue::from("ISO_IR 192"),
            ));
            let path = dir.join(format!("{id}-{se}-{n}.dcm"));
            synth::write(obj, SynthTs::ExplicitLe, &path).expect("write");
            files.push(path);
        }
    }
    (ids.study_uid, files)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_find_answers_every_level_of_both_models() {
    for kind in kinds() {
        let h = passerelle(kind).await;
        let files = h.t.path().join("files");
        let (cote, a) = study(&files, "Côté^Hélène", "QR-1", 2, 2);
        let (tremblay, b) = study(&files, "Tremblay^Jean", "QR-2", 1, 1);
        load("PASSERELLE", h.dicom_port, &[a, b].concat());
        let dir = h.t.path().join("rsp");

        // Patient Root, PATIENT level: the record and its size.
        let p = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-P",
                "-k",
                "QueryRetrieveLevel=PATIENT",
                "-k",
                "PatientID=QR-1",
                "-k",
                "PatientName",
                "-k",
                "NumberOfPatientRelatedStudies",
                "-k",
                "NumberOfPatientRelatedSeries",
                "-k",
                "NumberOfPatientRelatedInstances",
            ],
        );
        assert_eq!(p.answers.len(), 1, "{}", p.out);
        let r = &p.answers[0];
        assert_eq!(s(r, tags::PATIENT_NAME), "Côté^Hélène", "accents kept");
        // The request named no character set and the name fits Latin-1.
        assert_eq!(s(r, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 100");
        assert_eq!(s(r, tags::NUMBER_OF_PATIENT_RELATED_STUDIES), "1");
        assert_eq!(s(r, tags::NUMBER_OF_PATIENT_RELATED_SERIES), "2");
        assert_eq!(s(r, tags::NUMBER_OF_PATIENT_RELATED_INSTANCES), "4");

        // Study Root, STUDY level: wildcards on the name, without case (ASCII).
        let st = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                "PatientName=trem*",
                "-k",
                "StudyInstanceUID",
                "-k",
                "NumberOfStudyRelatedInstances",
                "-k",
                "ModalitiesInStudy",
                "-k",
                "RetrieveAETitle",
            ],
        );
        assert_eq!(
            uids(&st, tags::STUDY_INSTANCE_UID),
            vec![tremblay.clone()],
            "{}",
            st.out
        );
        assert_eq!(
            s(&st.answers[0], tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
            "1"
        );
        assert_eq!(s(&st.answers[0], tags::MODALITIES_IN_STUDY), "CT");
        assert_eq!(s(&st.answers[0], tags::RETRIEVE_AE_TITLE), "PASSERELLE");
        let all = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                "StudyInstanceUID",
            ],
        );
        let mut both = vec![cote.clone(), tremblay.clone()];
        both.sort();
        assert_eq!(uids(&all, tags::STUDY_INSTANCE_UID), both, "{}", all.out);

        // Patient Root, STUDY level within the patient; then its series and images.
        let ps = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-P",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                "PatientID=QR-1",
                "-k",
                "StudyInstanceUID",
            ],
        );
        assert_eq!(
            uids(&ps, tags::STUDY_INSTANCE_UID),
            vec![cote.clone()],
            "{}",
            ps.out
        );
        let se = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=SERIES",
                "-k",
                &format!("StudyInstanceUID={cote}"),
                "-k",
                "SeriesInstanceUID",
                "-k",
                "Modality",
                "-k",
                "NumberOfSeriesRelatedInstances",
            ],
        );
        assert_eq!(se.answers.len(), 2, "{}", se.out);
        for a in &se.answers {
            assert_eq!(s(a, tags::MODALITY), "CT");
            assert_eq!(s(a, tags::NUMBER_OF_SERIES_RELATED_INSTANCES), "2");
        }
        let series_uid = s(&se.answers[0], tags::SERIES_INSTANCE_UID);
        let im = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-P",
                "-k",
                "QueryRetrieveLevel=IMAGE",
                "-k",
                "PatientID=QR-1",
                "-k",
                &format!("StudyInstanceUID={cote}"),
                "-k",
                &format!("SeriesInstanceUID={series_uid}"),
                "-k",
                "SOPInstanceUID",
                "-k",
                "SOPClassUID",
                "-k",
                "InstanceNumber",
            ],
        );
        assert_eq!(im.answers.len(), 2, "{}", im.out);
        assert_eq!(
            s(&im.answers[0], tags::SOP_CLASS_UID),
            "1.2.840.10008.5.1.4.1.1.2"
        );
        h.t.finish().await;
    }
}

/// The final status of a DCMTK run with `-d` (the response command set is dumped).
fn refused_with(r: &Ran, status: &str, comment: &str) {
    assert!(r.answers.is_empty(), "{}", r.out);
    assert!(r.out.contains(status), "status {status}: {}", r.out);
    assert!(r.out.contains(comment), "comment {comment:?}: {}", r.out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_identifiers_and_destinations_are_refused_with_the_reason() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let files = h.t.path().join("files");
        let (uid, a) = study(&files, "Roy^Luc", "QR-3", 1, 1);
        load("PASSERELLE", h.dicom_port, &a);
        let dir = h.t.path().join("rsp");
        let f = |args: &[&str]| find(&h, "PASSERELLE", &dir, &[&["-d"], args].concat());
        let level = f(&[
            "-S",
            "-k",
            "QueryRetrieveLevel=FRAME",
            "-k",
            "StudyInstanceUID",
        ]);
        refused_with(&level, "0xa900", "Level \"FRAME\" is unknown");
        let patient = f(&["-S", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID"]);
        refused_with(&patient, "0xa900", "Study Root model has no PATIENT level");
        let below = f(&[
            "-P",
            "-k",
            "QueryRetrieveLevel=PATIENT",
            "-k",
            &format!("StudyInstanceUID={uid}"),
        ]);
        refused_with(&below, "0xa900", "(0020,000D) is below the PATIENT level");
        let date = f(&[
            "-S",
            "-k",
            "QueryRetrieveLevel=STUDY",
            "-k",
            "StudyDate=2026",
        ]);
        refused_with(&date, "0xa900", "is not a date");

        // C-MOVE to an AE title that is no node, then to a node of another clinic.
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.node_in(other, "B archive", "B_ARCHIVE", 11112, NodeRole::Vna)
            .await;
        for dest in ["NOBODY", "B_ARCHIVE"] {
            let m = dcmtk(
                "movescu",
                "PASSERELLE",
                h.dicom_port,
                &dir,
                &[
                    "-d",
                    "-S",
                    "-aem",
                    dest,
                    "-k",
                    "QueryRetrieveLevel=STUDY",
                    "-k",
                    &format!("StudyInstanceUID={uid}"),
                ],
            );
            refused_with(&m, "0xa801", "is not a node of this clinic");
        }
        let no_uid = dcmtk(
            "getscu",
            "PASSERELLE",
            h.dicom_port,
            &dir,
            &[
                "-d",
                "-S",
                "-k",
                "QueryRetrieveLevel=SERIES",
                "-k",
                "SeriesInstanceUID",
            ],
        );
        refused_with(&no_uid, "0xa900", "a SERIES retrieve needs (0020,000E)");

        // Every query and retrieve is in the audit trail, refusals with their reason.
        let q = h.admin.get("/api/v1/audit?action=dimse_query").await.json();
        let found = |v: &serde_json::Value, outcome: &str, text: &str| {
            v.as_array().expect("events").iter().any(|e| {
                e["outcome"] == outcome
                    && e["actor"] == "dicom:QR_SCU"
                    && e["detail"].to_string().contains(text)
            })
        };
        assert!(found(&q, "refused", "is unknown"), "{q}");
        let r = h
            .admin
            .get("/api/v1/audit?action=dimse_retrieve")
            .await
            .json();
        assert!(found(&r, "refused", "B_ARCHIVE"), "{r}");
        h.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_move_to_orthanc_and_c_get_send_the_study() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let files = h.t.path().join("files");
        let (uid, a) = study(&files, "Gagnon^Marie", "QR-4", 2, 3);
        load("PASSERELLE", h.dicom_port, &a);
        let vna = orthanc();
        h.node("Orthanc", "ORTHANC", vna.dicom, NodeRole::Vna).await;
        let dir = h.t.path().join("rsp");
        let m = dcmtk(
            "movescu",
            "PASSERELLE",
            h.dicom_port,
            &dir,
            &[
                "-S",
                "-aem",
                "ORTHANC",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                &format!("StudyInstanceUID={uid}"),
            ],
        );
        assert!(
            m.out.contains("Received Final Move Response (Success)"),
            "{}",
            m.out
        );
        let pending = m.out.matches("(Pending)").count();
        assert_eq!(
            pending, 5,
            "a pending response after each but the last: {}",
            m.out
        );
        assert_eq!(vna.count().await, 6, "Orthanc holds the study");
        let audit = h
            .admin
            .get("/api/v1/audit?action=dimse_retrieve")
            .await
            .json();
        let moved = &audit.as_array().expect("events")[0];
        assert_eq!(
            (moved["outcome"].as_str(), moved["result_count"].as_i64()),
            (Some("ok"), Some(6))
        );
        let detail = moved["detail"].to_string();
        assert!(
            detail.contains("ORTHANC") && detail.contains(&uid),
            "{moved}"
        );
        let expected = common::peers::expected(&a);
        let got = vna.received().await;
        for (sop, digest) in &expected {
            assert_eq!(got.get(sop), Some(&vec![digest.clone()]), "{sop} intact");
        }

        // C-GET of one series comes back on the association, byte for byte.
        let se = find(
            &h,
            "PASSERELLE",
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=SERIES",
                "-k",
                &format!("StudyInstanceUID={uid}"),
                "-k",
                "SeriesInstanceUID",
            ],
        );
        let series_uid = s(&se.answers[0], tags::SERIES_INSTANCE_UID);
        let g = dcmtk(
            "getscu",
            "PASSERELLE",
            h.dicom_port,
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=SERIES",
                "-k",
                &format!("StudyInstanceUID={uid}"),
                "-k",
                &format!("SeriesInstanceUID={series_uid}"),
            ],
        );
        assert!(
            g.out.contains("Received Final C-GET Response") || g.out.contains("Final"),
            "{}",
            g.out
        );
        assert_eq!(g.answers.len(), 3, "{}", g.out);
        let gotten: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .collect();
        for (sop, digest) in common::peers::expected(&gotten) {
            assert_eq!(expected.get(&sop), Some(&digest), "{sop} as received");
        }
        h.t.finish().await;
    }
}

/// A tiny deterministic generator (the same queries on every run).
struct Lcg(u64);

impl Lcg {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        from[((self.0 >> 33) as usize) % from.len()]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clinics_never_find_or_retrieve_each_others_studies() {
    for kind in kinds() {
        let h = passerelle(kind).await;
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.add_local_ae(other, "CLINB").await;
        let files = h.t.path().join("files");
        // The same patient ID in both clinics (MRNs are per clinic).
        let (a_uid, a) = study(&files.join("a"), "Pelletier^Anne", "MRN-1", 1, 2);
        let (b_uid, b) = study(&files.join("b"), "Pelletier^Anne", "MRN-1", 1, 2);
        load("PASSERELLE", h.dicom_port, &a);
        load("CLINB", h.dicom_port, &b);
        let dir = h.t.path().join("rsp");
        let mut rng = Lcg(2026);
        let mut answers = [0usize; 2];
        let both_uids = format!("StudyInstanceUID={a_uid}\\{b_uid}");
        for _ in 0..24 {
            let (ae, mine) = match rng.pick(&["A", "B"]) {
                "A" => ("PASSERELLE", &a_uid),
                _ => ("CLINB", &b_uid),
            };
            let model = rng.pick(&["-P", "-S"]);
            let level = rng.pick(&["STUDY", "SERIES", "IMAGE"]);
            let key = rng.pick(&[
                "PatientID=MRN-1",
                "PatientName=Pelletier*",
                "PatientName=*",
                &both_uids,
                "ModalitiesInStudy=CT",
                "StudyInstanceUID",
            ]);
            let key = if level != "STUDY" && key.starts_with("Modalities") {
                "PatientID=MRN-1"
            } else {
                key
            };
            let r = find(
                &h,
                ae,
                &dir,
                &[
                    model,
                    "-k",
                    &format!("QueryRetrieveLevel={level}"),
                    "-k",
                    key,
                    "-k",
                    "StudyInstanceUID",
                ],
            );
            assert!(r.out.contains("Received Final Find Response"), "{}", r.out);
            for ans in &r.answers {
                assert_eq!(
                    &s(ans, tags::STUDY_INSTANCE_UID),
                    mine,
                    "{ae} {level} {key}"
                );
            }
            answers[usize::from(ae == "CLINB")] += r.answers.len();
        }
        assert!(
            answers[0] > 0 && answers[1] > 0,
            "both clinics found their own: {answers:?}"
        );

        // Clinic B retrieving clinic A's study by its UID gets nothing.
        let g = dcmtk(
            "getscu",
            "CLINB",
            h.dicom_port,
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                &format!("StudyInstanceUID={a_uid}"),
            ],
        );
        assert!(g.answers.is_empty(), "{}", g.out);
        let mine = dcmtk(
            "getscu",
            "CLINB",
            h.dicom_port,
            &dir,
            &[
                "-S",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                &format!("StudyInstanceUID={b_uid}"),
            ],
        );
        assert_eq!(mine.answers.len(), 2, "{}", mine.out);
        h.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_cancel_stops_a_c_find() {
    for kind in kinds() {
        let h = passerelle(kind).await;
        let files = h.t.path().join("files");
        let (_, a) = study(&files, "Lavoie^Paul", "QR-5", 1, 400);
        load("PASSERELLE", h.dicom_port, &a);
        let dir = h.t.path().join("rsp");
        let args = [
            "-S",
            "-k",
            "QueryRetrieveLevel=IMAGE",
            "-k",
            "PatientID=QR-5",
            "-k",
            "SOPInstanceUID",
        ];
        let all = find(&h, "PASSERELLE", &dir, &args);
        assert_eq!(all.answers.len(), 400, "{}", all.out);
        let c = find(
            &h,
            "PASSERELLE",
            &dir,
            &[&args[..], &["--cancel", "1"]].concat(),
        );
        assert!(
            c.answers.len() < 400,
            "{} answers\n{}",
            c.answers.len(),
            c.out
        );
        assert!(
            c.out.contains("Matching terminated due to Cancel Request")
                || c.out.contains("MatchingTerminatedDueToCancelRequest"),
            "{}",
            c.out
        );
        h.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_study_is_fetched_back_from_the_archive_then_moved() {
    use common::peers::orthanc_config;
    use common::routes::{Reach, destination, forward_config, quick_retry, route_all};
    use sea_orm::EntityTrait;
    use server::db::index_entities::instance;
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        // The archive answers C-GET to PASSERELLE (fetch-back); the viewer is the destination.
        let modalities =
            serde_json::json!({ "passerelle": ["PASSERELLE", "127.0.0.1", h.dicom_port] });
        let archive = orthanc_config(
            None,
            serde_json::json!({ "DicomAet": "ARCHIVE", "DicomModalities": modalities }),
        );
        let viewer = orthanc_config(None, serde_json::json!({ "DicomAet": "VIEWER" }));
        let db = h.t.db.clone();
        let reach = Reach::Dimse {
            ae: "ARCHIVE",
            port: archive.dicom,
        };
        destination(
            &db,
            "ARCHIVE",
            reach,
            domain::Jurisdiction::Quebec,
            quick_retry(),
            10,
        )
        .await;
        route_all(&db, &["ARCHIVE"]).await;
        h.state.router.reload(&db).await.expect("router");
        let spool = server::storage::Spool::open(h.t.path().join("spool")).expect("spool");
        let fwd = server::queue::Forwarder::new(
            db.clone(),
            spool,
            forward_config(),
            h.state.wake.clone(),
        );
        let workers = tokio::spawn(std::sync::Arc::new(fwd).run());
        let files = h.t.path().join("files");
        let (uid, a) = study(&files, "Bouchard^Léa", "QR-6", 1, 3);
        load("PASSERELLE", h.dicom_port, &a);
        let end = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let rows = instance::Entity::find().all(&db).await.expect("rows");
            if rows.len() == 3 && rows.iter().all(|r| r.purged_at.is_some()) {
                break;
            }
            assert!(
                std::time::Instant::now() < end,
                "not forwarded and released: {rows:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        workers.abort();
        h.node("Viewer", "VIEWER", viewer.dicom, NodeRole::Viewer)
            .await;
        let dir = h.t.path().join("rsp");
        let m = dcmtk(
            "movescu",
            "PASSERELLE",
            h.dicom_port,
            &dir,
            &[
                "-S",
                "-aem",
                "VIEWER",
                "-k",
                "QueryRetrieveLevel=STUDY",
                "-k",
                &format!("StudyInstanceUID={uid}"),
            ],
        );
        assert!(
            m.out.contains("Received Final Move Response (Success)"),
            "{}",
            m.out
        );
        let got = viewer.received().await;
        for (sop, digest) in common::peers::expected(&a) {
            assert_eq!(got.get(&sop), Some(&vec![digest]), "{sop} as received");
        }
        let rows = instance::Entity::find().all(&db).await.expect("rows");
        assert!(
            rows.iter().all(|r| r.purged_at.is_none()),
            "in the spool again"
        );
        h.t.finish().await;
    }
}

/// Runs `retrieve_cancel.py` (pynetdicom); one JSON value per response.
fn cancel_retrieve(
    port: u16,
    kind: &str,
    study: &str,
    dest: Option<&str>,
) -> Vec<serde_json::Value> {
    let port = port.to_string();
    let mut args = vec![port.as_str(), "PASSERELLE", kind, study];
    args.extend(dest);
    common::pynet::run_args("retrieve_cancel.py", &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_cancel_stops_a_c_get_and_a_c_move_with_the_counts_so_far() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let files = h.t.path().join("files");
        let (uid, a) = study(&files, "Fortin^Guy", "QR-7", 1, 200);
        load("PASSERELLE", h.dicom_port, &a);
        let vna = orthanc();
        h.node("Orthanc", "ORTHANC", vna.dicom, NodeRole::Vna).await;
        for (how, dest) in [("get", None), ("move", Some("ORTHANC"))] {
            let r = cancel_retrieve(h.dicom_port, how, &uid, dest);
            let last = r.last().expect("a final response");
            assert_eq!(last["status"], 0xFE00, "{how}: cancelled: {r:?}");
            let done = last["completed"].as_u64().expect("completed");
            let left = last["remaining"].as_u64().expect("remaining on a cancel");
            assert!((1..200).contains(&done), "{how}: {r:?}");
            assert_eq!(done + left, 200, "{how}: the counts add up: {last}");
            assert!(
                r[0]["status"] == 0xFF00 && r[0]["remaining"] == 199,
                "{how}: {r:?}"
            );
            if how == "get" {
                // Held in explicit VR, sent in the implicit VR the context accepted.
                assert_eq!(last["stored"].as_u64(), Some(done), "{how}: {last}");
                assert_eq!(last["failed"], 0, "{how}: {last}");
            }
        }
        assert!(vna.count().await < 200, "the move stopped");
        h.t.finish().await;
    }
}
