//! Fetch-back of released instances: studies forwarded to an Orthanc by STOW-RS, to another
//! Orthanc by C-STORE and to a third that accepts DICOM TLS only (PS3.15 Annex B.1) are released
//! from the spool (retention: immediately); a viewer asking for them through the DICOMweb door
//! gets the same bytes, fetched back by WADO-RS from the first and by C-GET from the others (over
//! TLS from the third), and the index points at the new copies. On SQLite and PostgreSQL.

mod common;

use common::kinds;
use common::peers::{orthanc, orthanc_config};
use common::pki::{orthanc_tls, set_tls, shared_pki};
use common::rig::store_synthetic;
use common::routes::{Reach, destination, forward_config, quick_retry, route_all};
use common::web::web;
use domain::Jurisdiction;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use server::db::index_entities::instance;
use server::queue::Forwarder;
use server::storage::Spool;
use server::synth::{StudyIds, new_uid};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn released(db: &sea_orm::DatabaseConnection, ids: &[i64]) -> bool {
    let rows = instance::Entity::find()
        .filter(instance::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await
        .expect("rows");
    rows.iter().all(|r| r.purged_at.is_some())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_instances_come_back_by_wado_and_by_c_get() {
    for kind in kinds() {
        let mut w = web(kind).await;
        let stow_vna = orthanc();
        let dimse_vna = orthanc_config(
            None,
            serde_json::json!({ "DicomModalities": { "passerelle": ["PASSERELLE", "127.0.0.1", w.here.dicom_port] } }),
        );
        let tls_vna = orthanc_tls(shared_pki(), &[("PASSERELLE", w.here.dicom_port)]);
        let db = w.here.t.db.clone();
        let spool = Spool::open(w.here.t.path().join("spool")).expect("spool");
        let fwd = Forwarder::new(
            db.clone(),
            spool.clone(),
            forward_config(),
            w.here.state.wake.clone(),
        );
        let workers = tokio::spawn(Arc::new(fwd).run());
        let clinic = w.here.demo_clinic().await;
        let token = w.token("viewer", &[clinic]).await;
        let http = reqwest::Client::new();
        for (via, reach) in [
            (
                "WEB",
                Reach::Stow {
                    url: stow_vna.stow_url(),
                    port: stow_vna.http,
                },
            ),
            (
                "DIMSE",
                Reach::Dimse {
                    ae: "ORTHANC",
                    port: dimse_vna.dicom,
                },
            ),
            (
                "TLS",
                Reach::Dimse {
                    ae: "ORTHANC",
                    port: tls_vna.dicom,
                },
            ),
        ] {
            for r in server::db::rules::list(&db).await.expect("rules") {
                server::db::rules::delete(&db, r.id, "test")
                    .await
                    .expect("delete");
            }
            let d = destination(&db, via, reach, Jurisdiction::Quebec, quick_retry(), 10).await;
            set_tls(&db, d, via == "TLS").await;
            route_all(&db, &[via]).await;
            w.here.state.router.reload(&db).await.expect("router");
            let last = instance::Entity::find()
                .all(&db)
                .await
                .expect("rows")
                .iter()
                .map(|r| r.id)
                .max()
                .unwrap_or(0);
            let (ids, series) = (StudyIds::new(7), new_uid());
            let ingest = w.here.state.ingest.get().expect("ingest");
            for n in 1..=3 {
                assert_eq!(
                    store_synthetic(ingest, clinic, &ids, &series, n, 4096)
                        .await
                        .status,
                    0
                );
            }
            let mine = instance::Entity::find()
                .filter(instance::Column::Id.gt(last))
                .order_by_asc(instance::Column::Id)
                .all(&db)
                .await
                .expect("rows");
            let wanted: Vec<i64> = mine.iter().map(|r| r.id).collect();
            assert_eq!(wanted.len(), 3);
            let dataset = |path: &std::path::Path| {
                let b = std::fs::read(path).expect("spool file");
                let o = server::storage::dataset_offset(&b).expect("part 10");
                b[o..].to_vec()
            };
            let before: Vec<Vec<u8>> = mine
                .iter()
                .map(|r| dataset(&spool.path(&r.spool_path)))
                .collect();
            let end = Instant::now() + Duration::from_secs(60);
            while !released(&db, &wanted).await {
                assert!(Instant::now() < end, "{via}: not forwarded and released");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // A viewer asks for the first instance and the whole series: they come back.
            let first = &mine[0];
            let url = format!(
                "{}/studies/{}/series/{}/instances/{}",
                w.root(),
                ids.study_uid,
                series,
                first.sop_instance_uid
            );
            let one = http
                .get(&url)
                .header("Authorization", format!("Bearer {token}"))
                .header("Accept", "application/dicom")
                .send()
                .await
                .expect("http");
            assert_eq!(
                one.status(),
                200,
                "{via}: fetched back and served ({kind:?})"
            );
            let body = one.bytes().await.expect("body");
            let o = server::storage::dataset_offset(&body).expect("part 10");
            assert_eq!(
                &body[o..],
                &before[0][..],
                "{via}: the served copy is the one received"
            );
            let all = http
                .get(format!(
                    "{}/studies/{}/series/{}",
                    w.root(),
                    ids.study_uid,
                    series
                ))
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await
                .expect("http");
            assert_eq!(all.status(), 200);
            assert!(
                all.headers().get("warning").is_none(),
                "{via}: nothing left out"
            );
            let again = instance::Entity::find()
                .filter(instance::Column::Id.is_in(wanted.clone()))
                .order_by_asc(instance::Column::Id)
                .all(&db)
                .await
                .expect("rows");
            for (r, old) in again.iter().zip(before.iter()) {
                assert!(r.purged_at.is_none(), "{via}: indexed as present again");
                assert_eq!(
                    &dataset(&spool.path(&r.spool_path)),
                    old,
                    "{via}: the same data set came back"
                );
                assert!(
                    spool.intact(&r.spool_path, r.size as u64, &r.digest),
                    "{via}: the index describes the copy (forwarding checks its digest)"
                );
            }
        }
        workers.abort();
        w.here.t.finish().await;
    }
}
