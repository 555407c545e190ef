//! Fetch-back of released instances: studies forwarded to an Orthanc by STOW-RS, to another
//! Orthanc by C-STORE and to a third that accepts DICOM TLS only (PS3.15 Annex B.1) are released
//! from the spool (retention: immediately); a viewer asking for them through the DICOMweb door
//! gets the same bytes, fetched back by WADO-RS from the first and by C-GET from the others (over
//! TLS from the third), and the index points at the new copies; a series thumbnail fetches back
//! one instance, not the series. On SQLite and PostgreSQL.

mod common;

use common::kinds;
use common::peers::{orthanc, orthanc_config};
use common::pki::{orthanc_tls, set_tls, shared_pki};
use common::rig::store_synthetic;
use common::routes::{Reach, destination, forward_config, quick_retry, route_all};
use common::web::{Web, web};
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

/// What the three destinations share: the rig, the spool, a viewer's token.
struct Ctx {
    w: Web,
    spool: Spool,
    token: String,
    http: reqwest::Client,
}

impl Ctx {
    async fn get(&self, path: &str, accept: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.w.root()))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", accept)
            .send()
            .await
            .expect("http")
    }

    /// The data set of a spool copy (after its Part-10 header).
    fn dataset(&self, rel: &str) -> Vec<u8> {
        let b = std::fs::read(self.spool.path(rel)).expect("spool file");
        let o = server::storage::dataset_offset(&b).expect("part 10");
        b[o..].to_vec()
    }

    async fn rows(&self, ids: &[i64]) -> Vec<instance::Model> {
        instance::Entity::find()
            .filter(instance::Column::Id.is_in(ids.to_vec()))
            .order_by_asc(instance::Column::Id)
            .all(&self.w.here.t.db)
            .await
            .expect("rows")
    }
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
        // Orthanc answers C-GET only to the AE titles it lists (nothing is sent to that port).
        let tls_vna = orthanc_tls(shared_pki(), &[("PASSERELLE", w.here.dicom_port)]);
        let db = w.here.t.db.clone();
        let spool = Spool::open(w.here.t.path().join("spool")).expect("spool");
        let fwd = Forwarder::new(
            db,
            spool.clone(),
            forward_config(),
            w.here.state.wake.clone(),
        );
        let workers = tokio::spawn(Arc::new(fwd).run());
        let clinic = w.here.demo_clinic().await;
        let token = w.token("viewer", &[clinic]).await;
        let ctx = Ctx {
            w,
            spool,
            token,
            http: reqwest::Client::new(),
        };
        let stow = Reach::Stow {
            url: stow_vna.stow_url(),
            port: stow_vna.http,
        };
        let dimse = |port| Reach::Dimse {
            ae: "ORTHANC",
            port,
        };
        for (via, reach) in [
            ("WEB", stow),
            ("DIMSE", dimse(dimse_vna.dicom)),
            ("TLS", dimse(tls_vna.dicom)),
        ] {
            round_trip(&ctx, clinic, via, reach).await;
        }
        workers.abort();
        ctx.w.here.t.finish().await;
    }
}

/// Routes a new study of three instances to `via` only, waits until it is released, then reads
/// it back through the DICOMweb door.
async fn round_trip(ctx: &Ctx, clinic: i64, via: &str, reach: Reach) {
    let db = ctx.w.here.t.db.clone();
    for r in server::db::rules::list(&db).await.expect("rules") {
        server::db::rules::delete(&db, r.id, "test")
            .await
            .expect("delete");
    }
    let d = destination(&db, via, reach, Jurisdiction::Quebec, quick_retry(), 10).await;
    set_tls(&db, d, via == "TLS").await;
    route_all(&db, &[via]).await;
    ctx.w.here.state.router.reload(&db).await.expect("router");
    let all = instance::Entity::find().all(&db).await.expect("rows");
    let last = all.iter().map(|r| r.id).max().unwrap_or(0);
    let (ids, series) = (StudyIds::new(7), new_uid());
    let ingest = ctx.w.here.state.ingest.get().expect("ingest");
    for n in 1..=3 {
        let r = store_synthetic(ingest, clinic, &ids, &series, n, 4096).await;
        assert_eq!(r.status, 0);
    }
    let mine: Vec<i64> = all_after(&db, last).await;
    assert_eq!(mine.len(), 3);
    let before: Vec<Vec<u8>> = ctx
        .rows(&mine)
        .await
        .iter()
        .map(|r| ctx.dataset(&r.spool_path))
        .collect();
    let end = Instant::now() + Duration::from_secs(60);
    while !released(&db, &mine).await {
        assert!(Instant::now() < end, "{via}: not forwarded and released");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let series_path = format!("/studies/{}/series/{series}", ids.study_uid);
    read_back(ctx, via, &series_path, &mine, &before).await;
}

async fn all_after(db: &sea_orm::DatabaseConnection, last: i64) -> Vec<i64> {
    instance::Entity::find()
        .filter(instance::Column::Id.gt(last))
        .order_by_asc(instance::Column::Id)
        .all(db)
        .await
        .expect("rows")
        .iter()
        .map(|r| r.id)
        .collect()
}

/// The series thumbnail fetches back one instance; the first instance and then the whole series
/// come back byte for byte, and the index describes the new copies.
async fn read_back(ctx: &Ctx, via: &str, series_path: &str, mine: &[i64], before: &[Vec<u8>]) {
    let thumb = ctx
        .get(&format!("{series_path}/thumbnail"), "image/jpeg")
        .await;
    assert_eq!(thumb.status(), 200, "{via}: series thumbnail");
    let held = ctx.rows(mine).await;
    let back = held.iter().filter(|r| r.purged_at.is_none()).count();
    assert_eq!(
        back, 1,
        "{via}: the thumbnail fetched back one instance, not the series"
    );
    let first = &held[0];
    let one = ctx
        .get(
            &format!("{series_path}/instances/{}", first.sop_instance_uid),
            "application/dicom",
        )
        .await;
    assert_eq!(one.status(), 200, "{via}: fetched back and served");
    let body = one.bytes().await.expect("body");
    let o = server::storage::dataset_offset(&body).expect("part 10");
    assert_eq!(
        &body[o..],
        &before[0][..],
        "{via}: the served copy is the one received"
    );
    let all = ctx
        .get(series_path, "multipart/related; type=\"application/dicom\"")
        .await;
    assert_eq!(all.status(), 200);
    assert!(
        all.headers().get("warning").is_none(),
        "{via}: nothing left out"
    );
    for (r, old) in ctx.rows(mine).await.iter().zip(before.iter()) {
        assert!(r.purged_at.is_none(), "{via}: indexed as present again");
        assert_eq!(
            &ctx.dataset(&r.spool_path),
            old,
            "{via}: the same data set came back"
        );
        assert!(
            ctx.spool.intact(&r.spool_path, r.size as u64, &r.digest),
            "{via}: the index describes the copy (forwarding checks its digest)"
        );
    }
}
