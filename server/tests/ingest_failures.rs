//! Ingest failure modes: bad data sets, UID mismatch, abrupt disconnects, the size limit, a
//! full disk and an unavailable index; each answers the right status, keeps nothing
//! half-written, and the next instance goes through without a restart. A spool file left short
//! or with other bytes by a crash is rewritten when the sender retries.

mod common;

use common::kinds;
use common::rig::{
    associate, count, one_file, rig, rig_with, spool_files, store_command, store_raw, storescu,
};
use sea_orm::{ConnectionTrait, EntityTrait};
use server::db::index_entities::{instance, series, study};
use server::ingest::ConflictPolicy;
use server::synth::{self, StudyIds, SynthTs};
use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn bad_data_sets_get_failure_statuses_and_leave_nothing() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
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
}

#[tokio::test]
async fn an_abrupt_disconnect_mid_transfer_indexes_nothing() {
    for kind in kinds() {
        use dicom_ul::pdu::{PDataValue, PDataValueType};
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let (mut assoc, ctx) = associate(r.addr, "1.2.840.10008.1.2.1").await;
        let ctx = ctx.id;
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
}

#[tokio::test]
async fn command_and_data_set_uids_must_agree() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let ids = StudyIds::new(12);
        let obj = synth::instance(&ids, &synth::new_uid(), 1, 512);
        let mut dataset = Vec::new();
        obj.write_dataset_with_ts(
            &mut dataset,
            &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .expect("encode");
        let (mut assoc, ctx) = associate(r.addr, "1.2.840.10008.1.2.1").await;
        let ctx = ctx.id;
        let status = store_raw(&mut assoc, ctx, "2.25.1234567890", dataset).await;
        assert_eq!(status, 0x0117, "invalid SOP instance");
        let _ = assoc.release().await;
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 0);
        assert!(spool_files(&r.spool_dir).is_empty());
        r.t.finish().await;
    }
}

#[tokio::test]
async fn data_sets_over_the_limit_are_refused() {
    for kind in kinds() {
        let r = rig_with(kind, ConflictPolicy::KeepBoth, 64 * 1024, |_| {}).await;
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
}

#[tokio::test]
async fn a_full_disk_fails_the_store_and_recovers_alone() {
    for kind in kinds() {
        let r = rig_with(kind, ConflictPolicy::KeepBoth, 8 << 20, |dir| {
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
        assert_eq!(
            counters(&r.t.db).await,
            (0, 0),
            "the retracted instance left the series and study counters"
        );
        assert!(
            spool_files(&r.spool_dir).is_empty(),
            "the partial file was removed"
        );
        let fits = one_file(&r, "fits.dcm", 31, 64 * 1024);
        let (ok, out) = storescu(r.addr, &[], &[fits]).await;
        assert!(ok, "space is back, so is ingest: {out}");
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
        assert_eq!(counters(&r.t.db).await, (1, 1));
        let _ = Command::new("umount").arg("-l").arg(&r.spool_dir).status();
        r.t.finish().await;
    }
}

/// The sums of the series and of the study instance counters.
async fn counters(db: &sea_orm::DatabaseConnection) -> (i64, i64) {
    let series: i64 = series::Entity::find()
        .all(db)
        .await
        .expect("series")
        .iter()
        .map(|s| s.instance_count)
        .sum();
    let studies: i64 = study::Entity::find()
        .all(db)
        .await
        .expect("studies")
        .iter()
        .map(|s| s.instance_count)
        .sum();
    (series, studies)
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
async fn a_retry_repairs_a_file_left_incomplete_by_a_crash() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let path = one_file(&r, "x.dcm", 60, 32 * 1024);
        assert!(storescu(r.addr, &[], std::slice::from_ref(&path)).await.0);
        // What a crash between the index commit and the file's fsync leaves: an indexed, short file
        // (the instance was never acknowledged, so the sender sends it again).
        let file = spool_files(&r.spool_dir).pop().expect("file");
        let full = std::fs::metadata(&file).expect("meta").len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .expect("open")
            .set_len(100)
            .expect("truncate");
        let (ok, out) = storescu(r.addr, &[], std::slice::from_ref(&path)).await;
        assert!(ok, "{out}");
        assert_eq!(
            std::fs::metadata(&file).expect("meta").len(),
            full,
            "rewritten in place"
        );
        assert_eq!(count::<instance::Entity>(&r.t.db).await, 1);
        // What a power loss can leave: the file's length reached the disk, its data did not.
        let good = std::fs::read(&file).expect("read");
        let mut damaged = good.clone();
        damaged[good.len() / 2..].fill(0);
        std::fs::write(&file, &damaged).expect("damage");
        let (ok, out) = storescu(r.addr, &[], &[path]).await;
        assert!(ok, "{out}");
        assert!(
            std::fs::read(&file).expect("read") == good,
            "a file of the right size but other content is rewritten too"
        );
        r.t.finish().await;
    }
}
