//! Setting the registry up, on SQLite and PostgreSQL: the first start of a demo makes sample
//! patients, radiologists, physicians, procedures and today's orders (once, not on every
//! start); the HL7 facility mapping is set in the API and travels through `passerelle config`
//! export and import like the rest of the network configuration.

mod common;

use axum::body::Body;
use common::netconf::{edit, export, import};
use common::{Client, TestDb, app, config, kinds};
use http::{Request, StatusCode, header};
use serde_json::json;
use server::netconfig::FacilityEntry;

#[tokio::test]
async fn the_first_demo_start_makes_a_living_registry_once() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let mut cfg = config(&t);
        cfg.bootstrap.demo_records = true;
        server::bootstrap::first_start(&t.db, &cfg)
            .await
            .expect("bootstrap");
        server::bootstrap::first_start(&t.db, &cfg)
            .await
            .expect("second start");
        let state = server::state::AppState::new(t.db.clone(), cfg);
        let mut adm = Client::new(server::http::router(state));
        assert_eq!(
            adm.login("admin", "correct horse battery").await.status,
            200
        );
        let patients = adm.get("/api/v1/patients").await.json();
        assert_eq!(patients["total"], 5, "{patients}");
        let ramq = patients["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|p| !p["ramq"].as_str().unwrap_or("").is_empty())
            .count();
        assert!(ramq >= 3, "valid RAMQ numbers: {patients}");
        let today = adm.get("/api/v1/orders").await.json();
        assert!(
            today["total"].as_u64().is_some_and(|n| n >= 3),
            "today's orders: {today}"
        );
        for (path, at_least) in [
            ("/api/v1/radiologists", 2),
            ("/api/v1/physicians", 2),
            ("/api/v1/procedures", 5),
        ] {
            let v = adm.get(path).await.json();
            let n = v.as_array().or(v["rows"].as_array()).map_or(0, Vec::len);
            assert!(n >= at_least, "{path}: {v}");
        }
        let users = adm.get("/api/v1/users").await.json();
        let roles: Vec<&str> = users
            .as_array()
            .expect("users")
            .iter()
            .filter_map(|u| u["role"].as_str())
            .collect();
        assert!(roles.contains(&"radiologist"), "{users}");
        t.finish().await;
    }
}

async fn put_facilities(c: &mut Client, body: serde_json::Value) -> common::Answer {
    let req = Request::put("/api/v1/hl7/facilities")
        .header(header::ORIGIN, "http://localhost")
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    c.send(req).await
}

#[tokio::test]
async fn hl7_facilities_travel_through_config_export_and_import() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router);
        assert_eq!(
            adm.login("admin", "correct horse battery").await.status,
            200
        );
        let demo = adm.get("/api/v1/clinics").await.json()[0]["id"].clone();
        let body = json!([{ "side": "sending", "facility": "Ris-Mtl", "clinic": demo }]);
        let r = put_facilities(&mut adm, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let text = export(&t);
        assert!(text.contains("[[hl7_facilities]]"), "{text}");
        assert!(text.contains("RIS-MTL"), "{text}");
        let changed = edit(&text, |f| {
            f.hl7_facilities.push(FacilityEntry {
                side: "receiving".into(),
                facility: "PASSERELLE-QC".into(),
                clinic: "DEMO".into(),
            });
        });
        let dry = import(&t, &changed, true, &[]);
        assert_eq!(dry.code, Some(0), "{}", dry.stderr);
        assert!(dry.stdout.contains("PASSERELLE-QC"), "{}", dry.stdout);
        let maps = adm.get("/api/v1/hl7/facilities").await.json();
        assert_eq!(
            maps.as_array().map(Vec::len),
            Some(1),
            "a dry run changes nothing"
        );
        let done = import(&t, &changed, false, &[]);
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        let maps = adm.get("/api/v1/hl7/facilities").await.json();
        assert_eq!(maps.as_array().map(Vec::len), Some(2), "{maps}");
        let bad = edit(&changed, |f| f.hl7_facilities[0].clinic = "NOWHERE".into());
        let refused = import(&t, &bad, false, &[]);
        assert_ne!(refused.code, Some(0));
        assert!(
            refused.stderr.contains("hl7_facilities[0].clinic"),
            "{}",
            refused.stderr
        );
        assert_eq!(
            adm.get("/api/v1/hl7/facilities")
                .await
                .json()
                .as_array()
                .map(Vec::len),
            Some(2),
            "a refused file changes nothing"
        );
        t.finish().await;
    }
}
