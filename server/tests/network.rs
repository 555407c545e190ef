//! Network configuration through the HTTP server functions, on SQLite and PostgreSQL: local AE
//! titles and remote nodes with validation, permissions, the registry the listener reads, and the
//! Test button's C-ECHO against DCMTK storescp.

mod common;

use common::{Client, TestDb, app, kinds};
use http::StatusCode;
use serde_json::json;
use std::process::Command;

const ADMIN_PW: &str = "correct horse battery";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn local_aes_and_nodes_are_configured_and_validated() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, state) = app(&t).await;
        let mut adm = Client::new(router.clone());
        assert_eq!(adm.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let demo = adm.post_json("/api/local_aes", json!({})).await.json();
        assert_eq!(
            demo[0]["ae_title"], "PASSERELLE",
            "first start created the demo AE"
        );

        let ae = json!({ "form": { "id": null, "clinic": 1, "ae_title": "CT_ROUTER", "enabled": true,
            "caller_policy": "listed", "allowed_callers": "CT1, MR1  ct1" } });
        let r = adm.post_json("/api/save_local_ae", ae).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["allowed_callers"], json!(["CT1", "MR1", "ct1"]));
        let snap = state.registry.snapshot();
        let admitted = snap.admit("CT1", "CT_ROUTER");
        assert!(admitted.is_ok(), "the listener sees the new AE at once");
        assert!(snap.admit("XR9", "CT_ROUTER").is_err());

        let bad = json!({ "form": { "id": null, "clinic": 1, "ae_title": "WAY_TOO_LONG_AE_TITLE",
            "enabled": true, "caller_policy": "any", "allowed_callers": "" } });
        assert_eq!(
            adm.post_json("/api/save_local_ae", bad).await.status,
            StatusCode::BAD_REQUEST
        );
        let dup = json!({ "form": { "id": null, "clinic": 1, "ae_title": "PASSERELLE",
            "enabled": true, "caller_policy": "any", "allowed_callers": "" } });
        assert_eq!(
            adm.post_json("/api/save_local_ae", dup).await.status,
            StatusCode::CONFLICT
        );
        let with_port = |title: &str, port: u32| {
            json!({ "form": { "id": null, "clinic": 1, "ae_title": title,
            "enabled": true, "caller_policy": "any", "allowed_callers": "", "port": port } })
        };
        let main_port = u32::from(state.config.dicom.listen.port());
        assert_eq!(
            adm.post_json("/api/save_local_ae", with_port("CLASH", main_port))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        let r = adm
            .post_json("/api/save_local_ae", with_port("OWN_PORT", 11200))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["port"], 11200);
        assert_eq!(
            adm.post_json("/api/save_local_ae", with_port("SAME_PORT", 11200))
                .await
                .status,
            StatusCode::CONFLICT
        );

        let node = |port: u32| {
            json!({ "form": { "id": null, "name": "VNA Orthanc", "ae_title": "ORTHANC",
            "host": "127.0.0.1", "port": port, "tls": false, "role": "vna", "jurisdiction": "quebec",
            "notes": "", "clinics": [1] } })
        };
        assert_eq!(
            adm.post_json("/api/save_node", node(0)).await.status,
            StatusCode::BAD_REQUEST
        );
        let saved = adm.post_json("/api/save_node", node(4242)).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        let nodes = adm.get("/api/v1/nodes").await.json();
        assert_eq!(nodes[0]["host"], "127.0.0.1");
        assert_eq!(nodes[0]["port"], 4242);

        // Known-nodes policy: the node's AE title is now admitted on a known-nodes AE.
        let known = json!({ "form": { "id": null, "clinic": 1, "ae_title": "FROM_PACS", "enabled": true,
            "caller_policy": "known_nodes", "allowed_callers": "" } });
        assert_eq!(
            adm.post_json("/api/save_local_ae", known).await.status,
            StatusCode::OK
        );
        assert!(
            state
                .registry
                .snapshot()
                .admit("ORTHANC", "FROM_PACS")
                .is_ok()
        );
        assert!(
            state
                .registry
                .snapshot()
                .admit("STRANGER", "FROM_PACS")
                .is_err()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn staff_cannot_configure_the_network() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router.clone());
        adm.login("admin", ADMIN_PW).await;
        let user = json!({ "form": { "id": null, "username": "tech", "display_name": "Tech", "role": "clinic_staff",
            "clinics": [1], "active": true, "password": "a long staff password" } });
        assert_eq!(
            adm.post_json("/api/save_user", user).await.status,
            StatusCode::OK
        );
        let mut staff = Client::new(router);
        assert_eq!(
            staff.login("tech", "a long staff password").await.status,
            StatusCode::OK
        );
        assert_eq!(
            staff.get("/api/v1/nodes").await.status,
            StatusCode::FORBIDDEN
        );
        let ae = json!({ "form": { "id": null, "clinic": 1, "ae_title": "MINE", "enabled": true,
            "caller_policy": "any", "allowed_callers": "" } });
        assert_eq!(
            staff.post_json("/api/save_local_ae", ae).await.status,
            StatusCode::FORBIDDEN
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn the_test_button_echoes_a_real_node() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router);
        adm.login("admin", ADMIN_PW).await;
        let port = free_port();
        let mut scp = Command::new("storescp")
            .env("TCP_NODELAY", "1")
            .args(["-aet", "STORESCP", "-od", "/tmp"])
            .arg(port.to_string())
            .spawn()
            .expect("storescp (Debian package dcmtk)");
        let node = json!({ "form": { "id": null, "name": "Test SCP", "ae_title": "STORESCP", "host": "127.0.0.1",
            "port": port, "tls": false, "role": "vna", "jurisdiction": "quebec", "notes": "", "clinics": [1] } });
        let id = adm.post_json("/api/save_node", node).await.json()["id"]
            .as_i64()
            .expect("id");
        let mut outcome = serde_json::Value::Null;
        for _ in 0..50 {
            outcome = adm
                .post_form("/api/echo_node", &[("id", &id.to_string())])
                .await
                .json();
            if outcome["ok"] == true {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(outcome["ok"], true, "{outcome}");
        assert!(outcome["millis"].as_f64().unwrap_or(-1.0) >= 0.0);
        let _ = scp.kill();
        let _ = scp.wait();
        let down = adm
            .post_json(&format!("/api/v1/nodes/{id}/echo"), json!({}))
            .await
            .json();
        assert_eq!(down["ok"], false, "{down}");
        assert!(
            down["message"]
                .as_str()
                .unwrap_or("")
                .contains("association"),
            "{down}"
        );
        t.finish().await;
    }
}
