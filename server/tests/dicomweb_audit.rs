//! DICOMweb access in the audit trail (Law 25): a viewer (Python dicomweb-client with a token)
//! searches, reads a study's metadata and frames several times — one search row and one
//! retrieve row with the token, the study and its clinic, not one per request; asking for
//! another clinic's study is recorded as refused; each STOW-RS request is its own row; the
//! administrator reads them from `GET /api/v1/audit`.

mod common;

use common::rig::store_synthetic;
use common::web::{python, web};
use sea_orm::EntityTrait;
use serde_json::Value;
use server::synth::{StudyIds, new_uid};

const VIEWER: &str = r#"
import sys
from dicomweb_client.api import DICOMwebClient
root, token, study, series, sop = sys.argv[1:6]
c = DICOMwebClient(url=root, headers={"Authorization": "Bearer " + token})
found = c.search_for_studies(search_filters={"PatientID": "*"})
assert len(found) == 1, found
for _ in range(3):
    c.retrieve_series_metadata(study, series)
    c.retrieve_instance_frames(study, series, sop, frame_numbers=[1])
print("ok")
"#;

async fn audit(w: &mut common::web::Web, action: &str) -> Vec<Value> {
    let a = w
        .here
        .admin
        .get(&format!("/api/v1/audit?action={action}"))
        .await;
    assert_eq!(a.status, 200);
    a.json().as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dicomweb_reads_and_stores_are_audited_once_per_access() {
    for kind in common::kinds() {
        let mut w = web(kind).await;
        let a = w.here.demo_clinic().await;
        let b = w.here.add_clinic("CLB", "B").await;
        let ingest = w.here.state.ingest.get().expect("ingest").clone();
        let (ids, series) = (StudyIds::new(1), new_uid());
        assert_eq!(
            store_synthetic(&ingest, a, &ids, &series, 1, 512)
                .await
                .status,
            0
        );
        let (other, other_series) = (StudyIds::new(2), new_uid());
        let r = store_synthetic(&ingest, b, &other, &other_series, 1, 512).await;
        assert_eq!(r.status, 0);
        let token = w.token("viewer", &[a]).await;
        let sop = server::db::index_entities::instance::Entity::find()
            .all(&w.here.t.db)
            .await
            .expect("instances")
            .into_iter()
            .find(|i| i.clinic_id == a)
            .expect("instance of A")
            .sop_instance_uid;

        let args = [w.root(), token.clone(), ids.study_uid.clone(), series, sop];
        let (ok, out, err) = python(VIEWER, &args).await;
        assert!(ok && out.contains("ok"), "{out}\n{err}");

        let retrieves = audit(&mut w, "dicomweb_retrieve").await;
        assert_eq!(
            retrieves.len(),
            1,
            "six reads of one study, one row: {retrieves:?}"
        );
        let row = &retrieves[0];
        assert!(
            row["actor"]
                .as_str()
                .is_some_and(|s| s.starts_with("token:") && s.ends_with(":viewer"))
        );
        assert_eq!(row["clinic_id"], a);
        assert_eq!(row["outcome"], "ok");
        assert_eq!(row["detail"]["study"], ids.study_uid.as_str());
        let queries = audit(&mut w, "dicomweb_query").await;
        assert_eq!(queries.len(), 1, "{queries:?}");
        assert_eq!(queries[0]["clinic_id"], a, "the token's only clinic");
        assert!(
            queries[0]["detail"]["request"]
                .as_str()
                .is_some_and(|r| r.contains("PatientID"))
        );

        // Another clinic's study: 404 to the caller, "refused" in the trail.
        let http = reqwest::Client::new();
        let url = format!("{}/studies/{}/metadata", w.root(), other.study_uid);
        let r = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("http");
        assert_eq!(r.status().as_u16(), 404);
        let retrieves = audit(&mut w, "dicomweb_retrieve").await;
        let refused: Vec<_> = retrieves
            .iter()
            .filter(|r| r["outcome"] == "refused")
            .collect();
        assert_eq!(refused.len(), 1, "{retrieves:?}");
        assert_eq!(refused[0]["detail"]["study"], other.study_uid.as_str());
        assert_eq!(refused[0]["detail"]["status"], 404);

        // Each upload is its own row (here two refused bodies: not multipart).
        for _ in 0..2 {
            let r = http
                .post(format!("{}/studies", w.root()))
                .bearer_auth(&token)
                .header("Content-Type", "application/dicom")
                .body("x")
                .send()
                .await
                .expect("http");
            assert!(r.status().is_client_error());
        }
        assert_eq!(audit(&mut w, "dicomweb_store").await.len(), 2);
        w.here.t.finish().await;
    }
}
