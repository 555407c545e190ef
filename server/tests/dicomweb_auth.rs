//! Who may call `/dicomweb`: tokens from the CLI (secret printed once) and the JSON API
//! (administrators for anyone; staff only for themselves and their clinics), revoked and expired
//! tokens refused, a token acting for a deactivated user refused, HTTP Basic with a user's own
//! credentials (wrong password 401, then 429 like the sign-in form), and CORS for a configured
//! viewer origin only.

mod common;

use common::Kind;
use common::web::web;
use domain::{DisplayName, Role, Username};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use server::db::tokens::api_token;
use server::db::users::UserWrite;
use std::process::Command;

fn status(r: &reqwest::Response) -> u16 {
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_basic_and_session_access() {
    let mut w = web(Kind::Sqlite).await;
    let clinic = w.here.demo_clinic().await;
    let http = reqwest::Client::new();
    let studies = format!("{}/studies", w.root());
    let bearer = |t: &str| format!("Bearer {t}");

    // CLI: create (printed once), list, revoke.
    let data = w.here.t.path().to_str().expect("utf-8").to_owned();
    let url = w.here.t.url.clone();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(["--data-dir", &data])
            .args(args)
            .env("PASSERELLE__DATABASE__URL", &url)
            .env("RUST_LOG", "error")
            .output()
            .expect("passerelle");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let secret = cli(&[
        "token",
        "create",
        "--name",
        "OHIF",
        "--clinic",
        "DEMO",
        "--expires-days",
        "30",
    ]);
    assert!(secret.starts_with("pst_"), "{secret}");
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&secret))
        .send()
        .await
        .expect("http");
    assert_eq!(status(&r), 200);
    assert!(cli(&["token", "list"]).contains("OHIF\tactive\tread\t"));
    let id = secret.split('_').nth(1).expect("id").to_owned();
    cli(&["token", "revoke", &id]);
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&secret))
        .send()
        .await
        .expect("http");
    assert_eq!(status(&r), 401, "revoked");

    // API: an administrator issues one; it expires.
    let a = w
        .here
        .admin
        .post_json(
            "/api/v1/tokens",
            json!({ "name": "script", "clinics": [clinic], "expires_in_days": 1 }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let issued = a.json();
    let s2 = issued["secret"].as_str().expect("secret").to_owned();
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&s2))
        .send()
        .await
        .expect("http");
    assert_eq!(status(&r), 200);
    let tid = issued["token"]["id"].as_i64().expect("id");
    let row = api_token::Entity::find_by_id(tid)
        .one(&w.here.t.db)
        .await
        .expect("db")
        .expect("row");
    let mut am: api_token::ActiveModel = row.into();
    am.expires_at = Set(Some(1));
    am.update(&w.here.t.db).await.expect("update");
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&s2))
        .send()
        .await
        .expect("http");
    assert_eq!(status(&r), 401, "expired");
    assert!(
        !w.here.admin.get("/api/v1/tokens").await.body.contains(&s2),
        "secrets are never listed"
    );

    // Staff: only for themselves and their clinics; Basic with their own credentials.
    let hash = server::auth::password::hash("staff password 1".into())
        .await
        .expect("hash");
    let staff = server::db::users::create(
        &w.here.t.db,
        &Username::parse("staff").expect("name"),
        UserWrite {
            display_name: DisplayName::parse("Staff").expect("name"),
            role: Role::ClinicStaff,
            clinics: vec![domain::ClinicId(clinic)],
            active: true,
            password_hash: Some(hash),
        },
    )
    .await
    .expect("user");
    let mut sc = common::Client::new(w.here.admin.router.clone()).from([127, 0, 0, 9]);
    assert_eq!(sc.login("staff", "staff password 1").await.status, 200);
    let r = sc
        .post_json(
            "/api/v1/tokens",
            json!({ "name": "mine", "clinics": [clinic + 1000] }),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = sc
        .post_json(
            "/api/v1/tokens",
            json!({ "name": "mine", "clinics": [clinic], "user_id": 1 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json()["token"]["user_id"],
        staff.id.0,
        "a staff token acts for the staff member"
    );
    let s3 = r.json()["secret"].as_str().expect("secret").to_owned();
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&s3))
        .send()
        .await
        .expect("http");
    assert_eq!(status(&r), 200);
    let r = http
        .get(&studies)
        .basic_auth("staff", Some("staff password 1"))
        .send()
        .await
        .expect("http");
    assert_eq!(
        status(&r),
        200,
        "HTTP Basic with the user's own credentials"
    );
    let mut codes = Vec::new();
    for _ in 0..6 {
        let r = http
            .get(&studies)
            .basic_auth("intruder", Some("wrong"))
            .send()
            .await
            .expect("http");
        codes.push(status(&r));
    }
    assert_eq!(codes[0], 401);
    assert_eq!(
        codes.last(),
        Some(&429),
        "an account guessed at is rate-limited like the sign-in form: {codes:?}"
    );
    let mut am: server::db::entities::user::ActiveModel =
        server::db::entities::user::Entity::find_by_id(staff.id.0)
            .one(&w.here.t.db)
            .await
            .expect("db")
            .expect("user")
            .into();
    am.active = Set(false);
    am.update(&w.here.t.db).await.expect("deactivate");
    let r = http
        .get(&studies)
        .header("Authorization", bearer(&s3))
        .send()
        .await
        .expect("http");
    assert_eq!(
        status(&r),
        401,
        "the token of a deactivated user stops working"
    );
    w.here.t.finish().await;
}

#[tokio::test]
async fn cors_only_for_configured_viewer_origins() {
    let t = common::TestDb::new(Kind::Sqlite).await;
    let mut cfg = common::config(&t);
    cfg.dicomweb.cors_origins = vec!["http://viewer.example:3000".into()];
    server::bootstrap::first_start(&t.db, &cfg)
        .await
        .expect("bootstrap");
    let router = server::http::router(server::state::AppState::new(t.db.clone(), cfg));
    let mut c = common::Client::new(router);
    let preflight = |origin: &str| {
        http::Request::options("/dicomweb/studies")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let ok = c.send(preflight("http://viewer.example:3000")).await;
    assert_eq!(
        ok.headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://viewer.example:3000")
    );
    assert!(
        ok.headers
            .get("access-control-allow-headers")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("authorization"))
    );
    let other = c.send(preflight("http://evil.example")).await;
    assert!(
        other.headers.get("access-control-allow-origin").is_none(),
        "an unlisted origin gets no CORS grant"
    );
    t.finish().await;
}
