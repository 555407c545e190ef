//! The registry's JSON API on SQLite and PostgreSQL: patients validated (duplicate MRN, malformed
//! RAMQ, RAMQ warnings to confirm) and scoped to the caller's clinics; radiologists read but do
//! not write; a referring physician sees only the orders they referred; a merge re-points orders,
//! keeps the old MRN as an alias and is audited; the OpenAPI document is served.

mod common;

use common::registry::{clinic, create, order, patient, physician, procedure, signed_in, user};
use common::{Client, TestDb, app, kinds};
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn patients_are_validated_and_kept_to_the_callers_clinics() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router.clone());
        assert_eq!(
            adm.login("admin", "correct horse battery").await.status,
            200
        );
        let a = clinic(&mut adm, "MTL-A").await;
        let b = clinic(&mut adm, "QC-B").await;
        user(&mut adm, "staff.a", "clinic_staff", &[a]).await;
        user(&mut adm, "rad.a", "radiologist", &[a]).await;
        let mut staff = signed_in(&router, "staff.a").await;
        let in_a = create(&mut staff, "/api/v1/patients", patient(a, "A-1", "")).await;
        let dup = staff
            .post_json("/api/v1/patients", patient(a, "A-1", ""))
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
        assert_eq!(dup.json()["field"], "mrn", "{}", dup.body);
        let bad = staff
            .post_json("/api/v1/patients", patient(a, "A-2", "COTH 12"))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert_eq!(bad.json()["field"], "ramq", "{}", bad.body);
        // The letters, birth date and sex (month + 50) agree: saved at once.
        create(
            &mut staff,
            "/api/v1/patients",
            patient(a, "A-3", "COTH 8551 1512"),
        )
        .await;
        // A male month for a woman: refused with the warning until confirmed.
        let warn = staff
            .post_json("/api/v1/patients", patient(a, "A-4", "COTH 8501 1512"))
            .await;
        assert_eq!(warn.status, StatusCode::CONFLICT, "{}", warn.body);
        assert!(
            warn.json()["warnings"]
                .as_array()
                .is_some_and(|w| !w.is_empty()),
            "{}",
            warn.body
        );
        let mut confirmed = patient(a, "A-4", "COTH 8501 1512");
        confirmed["confirm_warnings"] = json!(true);
        create(&mut staff, "/api/v1/patients", confirmed).await;
        let other = create(&mut adm, "/api/v1/patients", patient(b, "B-1", "")).await;
        let forbidden = staff
            .post_json("/api/v1/patients", patient(b, "B-2", ""))
            .await;
        assert_eq!(
            forbidden.status,
            StatusCode::FORBIDDEN,
            "{}",
            forbidden.body
        );
        let listed = staff.get("/api/v1/patients").await.json();
        assert_eq!(listed["total"], 3, "only clinic A's: {listed}");
        let hidden = staff.get(&format!("/api/v1/patients/{other}")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
        assert!(!hidden.body.contains("B-1"));
        assert_eq!(adm.get("/api/v1/patients").await.json()["total"], 4);
        // A radiologist reads the clinic's patients but does not write them.
        let mut rad = signed_in(&router, "rad.a").await;
        let file = rad.get(&format!("/api/v1/patients/{in_a}")).await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.body);
        let write = rad
            .post_json("/api/v1/patients", patient(a, "A-9", ""))
            .await;
        assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_referring_physician_sees_only_the_orders_they_referred() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router.clone());
        assert_eq!(
            adm.login("admin", "correct horse battery").await.status,
            200
        );
        let a = clinic(&mut adm, "MTL-A").await;
        let account = user(&mut adm, "dr.lavoie", "referring_physician", &[a]).await;
        let mine = physician(&mut adm, "1234567", a, Some(account)).await;
        let theirs = physician(&mut adm, "7654321", a, None).await;
        let p = create(&mut adm, "/api/v1/patients", patient(a, "A-1", "")).await;
        let ct = procedure(&mut adm, a).await;
        let referred = order(&mut adm, a, p, ct, mine).await;
        let other = order(&mut adm, a, p, ct, theirs).await;
        let mut doc = signed_in(&router, "dr.lavoie").await;
        let seen = doc.get("/api/v1/orders?any_date=true").await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
        let ids: Vec<i64> = seen.json()["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        assert_eq!(ids, vec![referred], "{}", seen.body);
        let own = doc.get(&format!("/api/v1/orders/{referred}")).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.body);
        let hidden = doc.get(&format!("/api/v1/orders/{other}")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
        let patients = doc.get("/api/v1/patients").await;
        assert_eq!(patients.status, StatusCode::FORBIDDEN, "{}", patients.body);
        let all = adm.get("/api/v1/orders?any_date=true").await.json();
        assert_eq!(all["total"], 2, "{all}");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_merge_re_points_orders_keeps_the_alias_and_is_audited() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router.clone());
        assert_eq!(
            adm.login("admin", "correct horse battery").await.status,
            200
        );
        let a = clinic(&mut adm, "MTL-A").await;
        let doc = physician(&mut adm, "1234567", a, None).await;
        let ct = procedure(&mut adm, a).await;
        let keep = create(&mut adm, "/api/v1/patients", patient(a, "A-1", "")).await;
        let dup = create(&mut adm, "/api/v1/patients", patient(a, "A-OLD", "")).await;
        let o = order(&mut adm, a, dup, ct, doc).await;
        let r = adm
            .post_json(
                &format!("/api/v1/patients/{keep}/merge"),
                json!({ "from": dup }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["aliases"], json!(["A-OLD"]), "{}", r.body);
        let moved = adm.get(&format!("/api/v1/orders/{o}")).await.json();
        assert_eq!(moved["row"]["patient_id"], keep, "{moved}");
        let old = adm.get(&format!("/api/v1/patients/{dup}")).await;
        assert_eq!(old.status, StatusCode::OK, "kept, read-only: {}", old.body);
        assert_eq!(old.json()["patient"]["merged_into"], keep, "{}", old.body);
        let again = adm
            .post_json(
                &format!("/api/v1/patients/{keep}/merge"),
                json!({ "from": dup }),
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
        let audit = adm.get("/api/v1/audit?action=patient_merge").await.json();
        let rows = audit.as_array().expect("audit rows");
        assert_eq!(rows.len(), 1, "{audit}");
        assert_eq!(rows[0]["actor"], "user:admin", "{audit}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_registry() {
    let t = TestDb::new(common::Kind::Sqlite).await;
    let (router, _) = app(&t).await;
    let mut c = Client::new(router);
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = r.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/v1/patients",
        "/api/v1/patients/{id}/merge",
        "/api/v1/physicians",
        "/api/v1/radiologists",
        "/api/v1/procedures",
        "/api/v1/orders",
        "/api/v1/orders/{id}/status",
        "/api/v1/reconcile",
        "/api/v1/hl7/messages",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} described");
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["PatientInput"]["properties"]["ramq"].is_object());
    assert!(schemas["ErrorBody"].is_object());
    t.finish().await;
}
