//! HTTP tests of administration and tenancy: clinics and users created through the server
//! functions, deactivation ending sessions, and staff of clinic A unable to read clinic B.

mod common;

use common::{Client, TestDb, app, kinds};
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::session;

const ADMIN_PW: &str = "correct horse battery";
const STAFF_PW: &str = "staff password 123";

async fn admin(router: &axum::Router) -> Client {
    let mut c = Client::new(router.clone());
    assert_eq!(c.login("admin", ADMIN_PW).await.status, StatusCode::OK);
    c
}

async fn create_clinic(c: &mut Client, code: &str, name: &str) -> i64 {
    let r = c
        .post_json(
            "/api/save_clinic",
            json!({ "form": { "id": null, "code": code, "name": name, "active": true } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

async fn save_user(
    c: &mut Client,
    id: Option<i64>,
    username: &str,
    clinics: &[i64],
    active: bool,
) -> (StatusCode, Value) {
    let form = json!({ "form": {
        "id": id, "username": username, "display_name": "Marie Tremblay", "role": "clinic_staff",
        "clinics": clinics, "active": active, "password": if id.is_none() { Some(STAFF_PW) } else { None },
    }});
    let r = c.post_json("/api/save_user", form).await;
    (r.status, r.json())
}

#[tokio::test]
async fn staff_of_clinic_a_cannot_read_clinic_b() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = admin(&router).await;
        let a = create_clinic(&mut adm, "MTL-A", "Clinique A").await;
        let b = create_clinic(&mut adm, "QC-B", "Clinique B").await;
        let (s, _) = save_user(&mut adm, None, "marie", &[a], true).await;
        assert_eq!(s, StatusCode::OK);

        let mut staff = Client::new(router.clone());
        assert_eq!(staff.login("marie", STAFF_PW).await.status, StatusCode::OK);
        let list = staff.get("/api/v1/clinics").await.json();
        let codes: Vec<&str> = list
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert_eq!(codes, ["MTL-A"], "staff sees only their clinic");
        assert_eq!(
            staff.get(&format!("/api/v1/clinics/{a}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            staff.get(&format!("/api/v1/clinics/{b}")).await.status,
            StatusCode::NOT_FOUND
        );
        let via_fn = staff
            .post_form("/api/clinic", &[("id", &b.to_string())])
            .await;
        assert_eq!(
            via_fn.status,
            StatusCode::NOT_FOUND,
            "same scope through the UI's server function"
        );
        let page = staff.get_page(&format!("/clinics/{b}")).await;
        assert!(
            !page.body.contains("Clinique B"),
            "the page does not show clinic B"
        );
        assert_eq!(
            staff.get("/api/v1/users").await.status,
            StatusCode::FORBIDDEN
        );
        let r = staff
            .post_json(
                "/api/save_clinic",
                json!({ "form": { "id": b, "code": "QC-B", "name": "Mine", "active": true } }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let all = adm.get("/api/v1/clinics").await.json();
        assert_eq!(
            all.as_array().map(Vec::len),
            Some(3),
            "admin sees DEMO, A and B"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn admin_edits_clinics_and_users_with_validation() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = admin(&router).await;
        let a = create_clinic(&mut adm, "mtl-a", "Clinique A").await;
        let dup = adm
            .post_json(
                "/api/save_clinic",
                json!({ "form": { "id": null, "code": "MTL-A", "name": "x", "active": true } }),
            )
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
        let bad = adm
            .post_json(
                "/api/save_clinic",
                json!({ "form": { "id": null, "code": "no spaces", "name": "x", "active": true } }),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("clinic code"), "{}", bad.body);
        let edit = adm
            .post_json("/api/save_clinic", json!({ "form": { "id": a, "code": "MTL-A", "name": "Clinique Rosemont", "active": false } }))
            .await;
        assert_eq!(edit.status, StatusCode::OK);
        assert_eq!(edit.json()["name"], "Clinique Rosemont");
        assert_eq!(edit.json()["active"], false);

        let (s, body) = save_user(&mut adm, None, "Bad Name", &[a], true).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let (s, _) = save_user(&mut adm, None, "nobody.home", &[], true).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "a user needs a clinic");
        let (s, _) = save_user(&mut adm, None, "dup", &[a], true).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = save_user(&mut adm, None, "dup", &[a], true).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let me = adm.get("/api/v1/me").await.json();
        let my_id = me["id"].as_i64().expect("id");
        let own = adm
            .post_json("/api/save_user", json!({ "form": {
                "id": my_id, "username": "admin", "display_name": "Administrator", "role": "administrator",
                "clinics": [1], "active": false, "password": null } }))
            .await;
        assert_eq!(
            own.status,
            StatusCode::BAD_REQUEST,
            "an administrator cannot deactivate themselves"
        );
        let users = adm.get("/api/v1/users").await.json();
        assert_eq!(users.as_array().map(Vec::len), Some(2));
        t.finish().await;
    }
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = admin(&router).await;
        let a = create_clinic(&mut adm, "MTL-A", "Clinique A").await;
        let (_, user) = save_user(&mut adm, None, "marie", &[a], true).await;
        let id = user["id"].as_i64().expect("id");
        let mut staff = Client::new(router.clone());
        assert_eq!(staff.login("marie", STAFF_PW).await.status, StatusCode::OK);
        assert_eq!(staff.get("/api/v1/me").await.status, StatusCode::OK);
        let (s, _) = save_user(&mut adm, Some(id), "marie", &[a], false).await;
        assert_eq!(s, StatusCode::OK);
        let left = session::Entity::find()
            .filter(session::Column::UserId.eq(id))
            .count(&t.db)
            .await
            .expect("count");
        assert_eq!(left, 0, "sessions deleted");
        assert_eq!(
            staff.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            staff.login("marie", STAFF_PW).await.status,
            StatusCode::UNAUTHORIZED
        );
        let (s, _) = save_user(&mut adm, Some(id), "marie", &[a], true).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            staff.login("marie", STAFF_PW).await.status,
            StatusCode::OK,
            "reactivated"
        );
        t.finish().await;
    }
}
