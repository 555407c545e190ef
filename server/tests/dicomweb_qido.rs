//! QIDO-RS with a real client (Python dicomweb-client) and raw requests: studies / series /
//! instances, wildcards, fuzzy matching, date ranges, includefield, limit / offset, the query
//! OHIF's study list sends, a token of clinic A never seeing clinic B's studies (404 on a
//! study path), bad keys (400), unacceptable media types (406), and no token (401).

mod common;

use common::Kind;
use common::rig::store_synthetic;
use common::web::{Web, python, web};
use domain::{ClinicCode, ClinicName};
use serde_json::Value;
use server::synth::{StudyIds, new_uid};

async fn store(w: &Web, clinic: i64, n: usize, name: &str, instances: usize) -> StudyIds {
    let mut ids = StudyIds::new(n);
    ids.patient_name = name.into();
    let ingest = w.here.state.ingest.get().expect("ingest");
    let series = new_uid();
    for i in 1..=instances {
        let r = store_synthetic(ingest, clinic, &ids, &series, i, 512).await;
        assert_eq!(r.status, 0, "{r:?}");
    }
    ids
}

const CLIENT: &str = r#"
import json, sys
from dicomweb_client.api import DICOMwebClient
url, token, study = sys.argv[1], sys.argv[2], sys.argv[3]
c = DICOMwebClient(url=url, headers={"Authorization": "Bearer " + token})
out = {}
out["wild"] = c.search_for_studies(search_filters={"PatientName": "TREMBLAY*"})
out["fuzzy"] = c.search_for_studies(fuzzymatching=True, search_filters={"PatientName": "jean"})
out["paged"] = c.search_for_studies(limit=1, offset=1)
out["series"] = c.search_for_series(study_instance_uid=study)
out["instances"] = c.search_for_instances(study_instance_uid=study)
out["all_series"] = c.search_for_series(search_filters={"Modality": "CT"})
print(json.dumps(out))
"#;

fn uids(v: &Value) -> Vec<String> {
    let mut u: Vec<String> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["0020000D"]["Value"][0].as_str().unwrap_or("").to_owned())
        .collect();
    u.sort();
    u
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qido_with_dicomweb_client_and_clinic_scoping() {
    let mut w = web(Kind::Sqlite).await;
    let a = w.here.demo_clinic().await;
    let b = server::db::clinics::create(
        &w.here.t.db,
        &ClinicCode::parse("CLB").expect("code"),
        &ClinicName::parse("B").expect("name"),
    )
    .await
    .expect("clinic")
    .id
    .0;
    let s1 = store(&w, a, 1, "TREMBLAY^JEAN", 3).await;
    let s2 = store(&w, a, 2, "GAGNON^MARIE", 1).await;
    let sb = store(&w, b, 3, "TREMBLAY^LUC", 1).await;
    let token = w.token("viewer", &[a]).await;
    let (ok, out, err) = python(CLIENT, &[w.root(), token.clone(), s1.study_uid.clone()]).await;
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        uids(&v["wild"]),
        vec![s1.study_uid.clone()],
        "clinic B's TREMBLAY is not visible"
    );
    assert_eq!(
        v["wild"][0]["00100010"]["Value"][0]["Alphabetic"],
        "TREMBLAY^JEAN"
    );
    assert_eq!(v["wild"][0]["00201208"]["Value"][0], 3);
    assert_eq!(
        uids(&v["fuzzy"]),
        vec![s1.study_uid.clone()],
        "fuzzy: a name component, any case"
    );
    assert_eq!(v["paged"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["series"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["instances"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["all_series"].as_array().map(Vec::len), Some(2));

    let http = reqwest::Client::new();
    let get = |path: String, auth: Option<String>| {
        let mut r = http.get(format!("{}{path}", w.root()));
        if let Some(t) = auth {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        r.send()
    };
    let ohif = get(
        "/studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060".into(),
        Some(token.clone()),
    )
    .await
    .expect("http");
    assert_eq!(ohif.status(), 200);
    assert_eq!(ohif.headers()["content-type"], "application/dicom+json");
    let body: Value = serde_json::from_str(&ohif.text().await.expect("text")).expect("json");
    assert_eq!(uids(&body), {
        let mut u = vec![s1.study_uid.clone(), s2.study_uid.clone()];
        u.sort();
        u
    });
    assert_eq!(
        body[0]["00081030"]["Value"][0], "CT THORAX",
        "includefield adds StudyDescription"
    );
    let r = get(
        "/studies?StudyDate=20261127&PatientName=GAGNON%5E*".to_string(),
        Some(token.clone()),
    )
    .await
    .expect("http");
    assert_eq!(
        uids(&serde_json::from_str::<Value>(&r.text().await.expect("text")).expect("json")),
        vec![s2.study_uid.clone()],
        "percent-decoded values"
    );
    let r = get(
        format!("/studies/{}/series", sb.study_uid),
        Some(token.clone()),
    )
    .await
    .expect("http");
    assert_eq!(
        r.status(),
        404,
        "another clinic's study is not found, never shown"
    );
    let r = get("/studies?NotAKey=1".into(), Some(token.clone()))
        .await
        .expect("http");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("text").contains("NotAKey"));
    let r = get("/studies?StudyDate=2024".into(), Some(token.clone()))
        .await
        .expect("http");
    assert_eq!(r.status(), 400);
    let r = http
        .get(format!("{}/studies", w.root()))
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "application/xml")
        .send()
        .await
        .expect("http");
    assert_eq!(r.status(), 406);
    let r = get("/studies".into(), None).await.expect("http");
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    // The last character changed (to another one: a token ending in 0 once made this pass).
    let wrong_last = if token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{wrong_last}", &token[..token.len() - 1]);
    let r = get("/studies".into(), Some(wrong)).await.expect("http");
    assert_eq!(r.status(), 401, "a wrong secret");
    let all = w.token("admin-app", &[a, b]).await;
    let r = get("/studies?PatientName=TREMBLAY*".into(), Some(all))
        .await
        .expect("http");
    assert_eq!(
        serde_json::from_str::<Value>(&r.text().await.expect("text"))
            .expect("json")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    w.here.t.finish().await;
}
