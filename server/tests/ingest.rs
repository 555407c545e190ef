//! Durable C-STORE ingest against DCMTK storescu, on SQLite and PostgreSQL: many files in one
//! association, every transfer syntax stored as received (HTJ2K through dicom-ul), duplicates
//! identical and conflicting, and what lands on disk.

mod common;

use common::kinds;
use common::rig::{associate, count, rig, spool_files, store_raw, storescu};
use sea_orm::EntityTrait;
use server::db::index_entities::{ingest_event, instance, instance_version, study};
use server::ingest::ConflictPolicy;
use server::synth::{self, StudyIds, SynthTs};

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
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
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
}

#[tokio::test]
async fn duplicates_identical_and_conflicting() {
    for kind in kinds() {
        for policy in [ConflictPolicy::KeepBoth, ConflictPolicy::Reject] {
            let r = rig(kind, policy).await;
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
            // The new version also comes in another transfer syntax.
            synth::write(changed, SynthTs::ImplicitLe, &second).expect("synth");
            let (_, out) = storescu(r.addr, &["-xi"], &[second]).await;
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
                    let now = instance::Entity::find().one(&r.t.db).await.expect("row");
                    assert_eq!(
                        now.expect("instance").transfer_syntax,
                        "1.2.840.10008.1.2",
                        "the index describes the current version"
                    );
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
}

#[tokio::test]
async fn htj2k_is_accepted_and_stored_as_received() {
    for kind in kinds() {
        const HTJ2K: &str = "1.2.840.10008.1.2.4.201";
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
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
        let (mut assoc, ctx) = associate(r.addr, HTJ2K).await;
        assert_eq!(ctx.transfer_syntax, HTJ2K, "HTJ2K accepted");
        let status = store_raw(&mut assoc, ctx.id, &uid, dataset).await;
        assert_eq!(status, 0);
        let _ = assoc.release().await;
        let rows = instance::Entity::find().all(&r.t.db).await.expect("rows");
        assert_eq!(rows[0].transfer_syntax, HTJ2K);
        r.t.finish().await;
    }
}
