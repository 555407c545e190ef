//! Durable C-STORE ingest against DCMTK storescu, on SQLite and PostgreSQL: many files in one
//! association, every transfer syntax stored as received, duplicates (identical and
//! conflicting), UID mismatch, an abrupt disconnect mid-transfer, and what lands on disk.

mod common;

use common::{TestDb, kinds};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use server::db::index_entities::{ingest_event, instance, instance_version, study};
use server::dimse::{AeRegistry, DicomListener, ScpConfig};
use server::ingest::{ConflictPolicy, Ingest};
use server::storage::Spool;
use server::synth::{self, StudyIds, SynthTs};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    t: TestDb,
    addr: SocketAddr,
    spool_dir: PathBuf,
    files: tempfile::TempDir,
}

async fn rig(kind: common::Kind, policy: ConflictPolicy) -> Rig {
    rig_with(kind, policy, 8 << 20, |_| {}).await
}

/// A rig with a data set size limit, and a hook run on the spool directory before it opens.
async fn rig_with(
    kind: common::Kind,
    policy: ConflictPolicy,
    max_dataset: usize,
    prepare: impl FnOnce(&Path),
) -> Rig {
    let t = TestDb::new(kind).await;
    let cfg = common::config(&t);
    server::bootstrap::first_start(&t.db, &cfg)
        .await
        .expect("bootstrap");
    let registry = Arc::new(AeRegistry::default());
    registry.reload(&t.db).await.expect("registry");
    let spool_dir = t.path().join("spool");
    std::fs::create_dir_all(&spool_dir).expect("spool dir");
    prepare(&spool_dir);
    let ingest = Ingest::new(
        t.db.clone(),
        Spool::open(&spool_dir).expect("spool"),
        policy,
    );
    let scp = ScpConfig {
        max_dataset,
        max_associations: 8,
        max_pdu: 131_072,
        idle_timeout: Duration::from_secs(5),
        association_deadline: Duration::from_secs(120),
    };
    let l = DicomListener::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        scp,
        registry,
        Some(Arc::new(ingest)),
    )
    .await
    .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(l.run());
    Rig {
        t,
        addr,
        spool_dir,
        files: tempfile::tempdir().expect("dir"),
    }
}

/// Runs storescu off the runtime; returns (success, output).
async fn storescu(addr: SocketAddr, extra: &[&str], files: &[PathBuf]) -> (bool, String) {
    let mut args: Vec<String> = vec![
        "-v".into(),
        "-aet".into(),
        "MODALITY".into(),
        "-aec".into(),
        "PASSERELLE".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(addr.ip().to_string());
    args.push(addr.port().to_string());
    args.extend(files.iter().map(|p| p.display().to_string()));
    tokio::task::spawn_blocking(move || {
        let out = Command::new("storescu")
            .env("TCP_NODELAY", "1")
            .args(&args)
            .output()
            .expect("storescu (dcmtk)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success() && !text.contains("Status: "), text)
    })
    .await
    .expect("join")
}

async fn count<E: EntityTrait>(db: &sea_orm::DatabaseConnection) -> u64
where
    E::Model: Sync,
{
    E::find().count(db).await.expect("count")
}

fn spool_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for shard in std::fs::read_dir(dir.join("objects"))
        .expect("objects")
        .flatten()
    {
        out.extend(
            std::fs::read_dir(shard.path())
                .expect("shard")
                .flatten()
                .map(|e| e.path()),
        );
    }
    out
}

#[tokio::test]
async fn many_instances_on_one_association_are_indexed_and_durable() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let files = synth::write_studies(r.files.path(), 2, 15, 64 * 1024, SynthTs::ExplicitLe)
            .expect("synth");
        let (ok, out) = storescu(r.addr, &[], &files).await;
        assert!(ok, "{out}");
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 30);
        let studies = study::Entity::find().all(&r.t.db).await.expect("studies");
        assert_eq!(studies.len(), 2);
        assert!(
            studies.iter().all(|s| s.instance_count == 15
                && s.modalities == "CT"
                && s.source_ae == "MODALITY")
        );
        let on_disk = spool_files(&r.spool_dir);
        assert_eq!(on_disk.len(), 30);
        for f in on_disk.iter().take(3) {
            let bytes = std::fs::read(f).expect("read");
            assert!(bytes[..128].iter().all(|b| *b == 0), "zero preamble");
            assert_eq!(&bytes[128..132], b"DICM");
            assert!(
                f.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with("2.25"))
            );
        }
        r.t.finish().await;
    }
}

#[tokio::test]
async fn every_transfer_syntax_is_stored_as_received() {
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let cases: [(SynthTs, &str); 9] = [
        (SynthTs::ImplicitLe, "-xi"),
        (SynthTs::ExplicitLe, "-xe"),
        (SynthTs::ExplicitBe, "-xb"),
        (SynthTs::Deflated, "-xd"),
        (SynthTs::JpegBaseline, "-xy"),
        (SynthTs::JpegLossless, "-xs"),
        (SynthTs::JpegLs, "-xt"),
        (SynthTs::Jpeg2000, "-xv"),
        (SynthTs::Rle, "-xr"),
    ];
    for (n, (ts, flag)) in cases.iter().enumerate() {
        let ids = StudyIds::new(100 + n);
        let path = r.files.path().join(format!("ts{n}.dcm"));
        synth::write(
            synth::instance(&ids, &synth::new_uid(), 1, 4096),
            *ts,
            &path,
        )
        .expect("synth");
        let (ok, out) = storescu(r.addr, &[flag, "-R"], &[path]).await;
        assert!(ok, "{ts:?}: {out}");
    }
    let rows = instance::Entity::find().all(&r.t.db).await.expect("rows");
    let mut got: Vec<&str> = rows.iter().map(|i| i.transfer_syntax.as_str()).collect();
    got.sort();
    let mut want: Vec<&str> = cases.iter().map(|(ts, _)| ts.uid()).collect();
    want.sort();
    assert_eq!(
        got, want,
        "no transcoding: each instance kept in the syntax it came in"
    );
    r.t.finish().await;
}

#[tokio::test]
async fn duplicates_identical_and_conflicting() {
    for policy in [ConflictPolicy::KeepBoth, ConflictPolicy::Reject] {
        let r = rig(kinds()[0], policy).await;
        let ids = StudyIds::new(7);
        let series = synth::new_uid();
        let obj = synth::instance(&ids, &series, 1, 2048);
        let first = r.files.path().join("first.dcm");
        synth::write(obj.clone(), SynthTs::ExplicitLe, &first).expect("synth");
        assert!(storescu(r.addr, &[], std::slice::from_ref(&first)).await.0);
        let (ok, out) = storescu(r.addr, &[], std::slice::from_ref(&first)).await;
        assert!(ok, "identical duplicate answers success: {out}");
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
        assert_eq!(spool_files(&r.spool_dir).len(), 1, "one copy kept");

        let mut changed = obj;
        changed.put(dicom_core::DataElement::new(
            dicom_dictionary_std::tags::SERIES_DESCRIPTION,
            dicom_core::VR::LO,
            dicom_core::PrimitiveValue::from("CHANGED"),
        ));
        let second = r.files.path().join("second.dcm");
        synth::write(changed, SynthTs::ExplicitLe, &second).expect("synth");
        let (_, out) = storescu(r.addr, &[], &[second]).await;
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
        assert_eq!(
            count::<ingest_event::Entity>(&r.t.db).await,
            1,
            "the conflict is recorded"
        );
        match policy {
            ConflictPolicy::KeepBoth => {
                assert!(!out.contains("Status: "), "{out}");
                assert_eq!(count::<instance_version::Entity>(&r.t.db).await, 1);
                assert_eq!(spool_files(&r.spool_dir).len(), 2, "both versions on disk");
            }
            ConflictPolicy::Reject => {
                assert!(
                    out.contains("0xb000") || out.contains("Warning"),
                    "warning status: {out}"
                );
                assert_eq!(spool_files(&r.spool_dir).len(), 1, "never overwritten");
            }
        }
        r.t.finish().await;
    }
}

#[tokio::test]
async fn bad_data_sets_get_failure_statuses_and_leave_nothing() {
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    // Missing Study Instance UID: A900, nothing indexed, no file.
    let ids = StudyIds::new(9);
    let mut obj = synth::instance(&ids, &synth::new_uid(), 1, 1024);
    obj.remove_element(dicom_dictionary_std::tags::STUDY_INSTANCE_UID);
    let path = r.files.path().join("nostudy.dcm");
    synth::write(obj, SynthTs::ExplicitLe, &path).expect("synth");
    let (_, out) = storescu(r.addr, &[], &[path]).await;
    assert!(out.contains("DataSetDoesNotMatchSOPClass"), "A900: {out}");
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
    assert!(spool_files(&r.spool_dir).is_empty(), "no stray file");
    r.t.finish().await;
}

#[tokio::test]
async fn an_abrupt_disconnect_mid_transfer_indexes_nothing() {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let mut assoc = dicom_ul::ClientAssociationOptions::new()
        .with_presentation_context(
            dicom_dictionary_std::uids::CT_IMAGE_STORAGE,
            vec!["1.2.840.10008.1.2.1"],
        )
        .calling_ae_title("MODALITY")
        .called_ae_title("PASSERELLE")
        .establish_async(r.addr)
        .await
        .expect("association");
    let ctx = assoc.presentation_contexts()[0].id;
    let cmd = store_command(&synth::new_uid());
    let pdv = |value_type, is_last, data| PDataValue {
        presentation_context_id: ctx,
        value_type,
        is_last,
        data,
    };
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Command, true, cmd)],
        })
        .await
        .expect("command");
    // Half a data set, then the connection drops (no last fragment, no release, no abort).
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(
                PDataValueType::Data,
                false,
                vec![0x08, 0x00, 0x16, 0x00],
            )],
        })
        .await
        .expect("data");
    drop(assoc);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
    assert!(spool_files(&r.spool_dir).is_empty());
    r.t.db
        .execute_unprepared("SELECT 1")
        .await
        .expect("db still fine");
    r.t.finish().await;
}

/// A C-STORE-RQ command set (PS3.7 §9.3.1.1) for a CT instance.
fn store_command(sop_instance: &str) -> Vec<u8> {
    use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
    use dicom_dictionary_std::tags;
    let obj = dicom_object::InMemDicomObject::command_from_element_iter([
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(dicom_dictionary_std::uids::CT_IMAGE_STORAGE),
        ),
        DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [0x0001])),
        DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [1])),
        DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0])),
        DataElement::new(
            tags::COMMAND_DATA_SET_TYPE,
            VR::US,
            dicom_value!(U16, [0x0000]),
        ),
        DataElement::new(
            tags::AFFECTED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(sop_instance),
        ),
    ]);
    let mut out = Vec::new();
    obj.write_dataset_with_ts(
        &mut out,
        &dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .expect("encode");
    out
}

#[tokio::test]
async fn command_and_data_set_uids_must_agree() {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    let ids = StudyIds::new(12);
    let obj = synth::instance(&ids, &synth::new_uid(), 1, 512);
    let mut dataset = Vec::new();
    obj.write_dataset_with_ts(
        &mut dataset,
        &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .expect("encode");
    let mut assoc = dicom_ul::ClientAssociationOptions::new()
        .with_presentation_context(
            dicom_dictionary_std::uids::CT_IMAGE_STORAGE,
            vec!["1.2.840.10008.1.2.1"],
        )
        .calling_ae_title("MODALITY")
        .called_ae_title("PASSERELLE")
        .establish_async(r.addr)
        .await
        .expect("association");
    let ctx = assoc.presentation_contexts()[0].id;
    let pdv = |value_type, data| PDataValue {
        presentation_context_id: ctx,
        value_type,
        is_last: true,
        data,
    };
    let cmd = store_command("2.25.1234567890"); // not the data set's SOP Instance UID
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Command, cmd)],
        })
        .await
        .expect("command");
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Data, dataset)],
        })
        .await
        .expect("data");
    let status = match assoc.receive().await.expect("response") {
        dicom_ul::Pdu::PData { data } => {
            server::dimse::command::status_of(&data[0].data).expect("status")
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(status, 0x0117, "invalid SOP instance");
    let _ = assoc.release().await;
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
    assert!(spool_files(&r.spool_dir).is_empty());
    r.t.finish().await;
}

fn one_file(r: &Rig, name: &str, n: usize, pixel_bytes: usize) -> PathBuf {
    let path = r.files.path().join(name);
    synth::write(
        synth::instance(&StudyIds::new(n), &synth::new_uid(), 1, pixel_bytes),
        SynthTs::ExplicitLe,
        &path,
    )
    .expect("synth");
    path
}

#[tokio::test]
async fn data_sets_over_the_limit_are_refused() {
    let r = rig_with(kinds()[0], ConflictPolicy::KeepBoth, 64 * 1024, |_| {}).await;
    let big = one_file(&r, "big.dcm", 20, 200 * 1024);
    let (_, out) = storescu(r.addr, &[], &[big]).await;
    assert!(
        out.contains("OutOfResources") || out.contains("Refused"),
        "A700: {out}"
    );
    let small = one_file(&r, "small.dcm", 21, 8 * 1024);
    let (ok, out) = storescu(r.addr, &[], &[small]).await;
    assert!(ok, "the association and the next instance are fine: {out}");
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
    r.t.finish().await;
}

#[tokio::test]
async fn a_full_disk_fails_the_store_and_recovers_alone() {
    let r = rig_with(kinds()[0], ConflictPolicy::KeepBoth, 8 << 20, |dir| {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1536k", "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount");
        assert!(
            ok.success(),
            "this test needs to mount a small tmpfs (root)"
        );
    })
    .await;
    let too_big = one_file(&r, "too_big.dcm", 30, 2 << 20);
    let (_, out) = storescu(r.addr, &[], &[too_big]).await;
    assert!(
        out.contains("OutOfResources"),
        "A700 when the disk is full: {out}"
    );
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
    assert!(
        spool_files(&r.spool_dir).is_empty(),
        "the partial file was removed"
    );
    let fits = one_file(&r, "fits.dcm", 31, 64 * 1024);
    let (ok, out) = storescu(r.addr, &[], &[fits]).await;
    assert!(ok, "space is back, so is ingest: {out}");
    assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
    let _ = Command::new("umount").arg("-l").arg(&r.spool_dir).status();
    r.t.finish().await;
}

#[tokio::test]
async fn an_unavailable_index_fails_the_store_and_recovers_alone() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        r.t.db
            .execute_unprepared("ALTER TABLE instances RENAME TO instances_away")
            .await
            .expect("rename");
        let first = one_file(&r, "a.dcm", 40, 16 * 1024);
        let (_, out) = storescu(r.addr, &[], &[first]).await;
        assert!(
            out.contains("OutOfResources"),
            "A700 while the index is unavailable: {out}"
        );
        assert!(
            spool_files(&r.spool_dir).is_empty(),
            "nothing half-written is kept"
        );
        r.t.db
            .execute_unprepared("ALTER TABLE instances_away RENAME TO instances")
            .await
            .expect("rename back");
        let second = one_file(&r, "b.dcm", 41, 16 * 1024);
        let (ok, out) = storescu(r.addr, &[], &[second]).await;
        assert!(ok, "recovered without a restart: {out}");
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
        r.t.finish().await;
    }
}

#[tokio::test]
async fn htj2k_is_accepted_and_stored_as_received() {
    use dicom_ul::pdu::{PDataValue, PDataValueType};
    const HTJ2K: &str = "1.2.840.10008.1.2.4.201";
    let r = rig(kinds()[0], ConflictPolicy::KeepBoth).await;
    // DCMTK 3.6.7 does not know HTJ2K: send with dicom-ul, the data set encoded as in that syntax
    // (explicit VR little endian with encapsulated pixel data).
    let path = r.files.path().join("htj2k.dcm");
    synth::write(
        synth::instance(&StudyIds::new(50), &synth::new_uid(), 1, 2048),
        SynthTs::Htj2k,
        &path,
    )
    .expect("synth");
    let file = dicom_object::open_file(&path).expect("open");
    let mut dataset = Vec::new();
    file.write_dataset_with_ts(
        &mut dataset,
        &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    )
    .expect("encode");
    let uid = file
        .element(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        .expect("uid")
        .to_str()
        .expect("str")
        .trim_end_matches('\0')
        .to_owned();
    let mut assoc = dicom_ul::ClientAssociationOptions::new()
        .with_presentation_context(dicom_dictionary_std::uids::CT_IMAGE_STORAGE, vec![HTJ2K])
        .calling_ae_title("MODALITY")
        .called_ae_title("PASSERELLE")
        .establish_async(r.addr)
        .await
        .expect("association");
    let ctx = assoc.presentation_contexts()[0].clone();
    assert_eq!(ctx.transfer_syntax, HTJ2K, "HTJ2K accepted");
    let pdv = |value_type, data| PDataValue {
        presentation_context_id: ctx.id,
        value_type,
        is_last: true,
        data,
    };
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Command, store_command(&uid))],
        })
        .await
        .expect("command");
    assoc
        .send(&dicom_ul::Pdu::PData {
            data: vec![pdv(PDataValueType::Data, dataset)],
        })
        .await
        .expect("data");
    let status = match assoc.receive().await.expect("response") {
        dicom_ul::Pdu::PData { data } => {
            server::dimse::command::status_of(&data[0].data).expect("status")
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(status, 0);
    let _ = assoc.release().await;
    let rows = instance::Entity::find().all(&r.t.db).await.expect("rows");
    assert_eq!(rows[0].transfer_syntax, HTJ2K);
    r.t.finish().await;
}
