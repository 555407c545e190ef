//! HTTP tests through the router: sign-in and sign-out, wrong password, rate limits, session id
//! cycling, timeouts, deactivation, CSRF, the page guard and the pages' Content-Security-Policy.
//! Each runs on SQLite and PostgreSQL.

mod common;

use common::{Client, Kind, TestDb, app, kinds};
use http::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use server::db::entities::session;
use std::time::Instant;

const ADMIN_PW: &str = "correct horse battery";

async fn on_each_db<F, Fut>(f: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: std::future::Future<Output = TestDb>,
{
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let t = f(t).await;
        t.finish().await;
    }
}

#[tokio::test]
async fn login_then_logout() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let ok = c.login("admin", ADMIN_PW).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        let set_cookie = ok
            .headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
            "{set_cookie}"
        );
        assert!(
            !set_cookie.contains("Secure"),
            "plain http in tests: no Secure flag"
        );
        let me = c.get("/api/v1/me").await;
        assert_eq!(me.json()["username"], "admin");
        let old = c.cookie.clone();
        let out = c.post_form("/api/logout", &[]).await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.body);
        assert!(c.cookie.is_none(), "cookie removed at sign-out");
        c.cookie = old;
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "old session is dead"
        );
        t
    })
    .await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_answer_alike() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        let mut wrong_ms = vec![];
        let mut unknown_ms = vec![];
        for _ in 0..2 {
            let s = Instant::now();
            let wrong = c.login("admin", "not the password").await;
            wrong_ms.push(s.elapsed().as_secs_f64());
            let s = Instant::now();
            let unknown = c.login("nobody", "not the password").await;
            unknown_ms.push(s.elapsed().as_secs_f64());
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
            assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
            assert_eq!(
                wrong.body, unknown.body,
                "same answer for unknown user and wrong password"
            );
        }
        let (w, u) = (wrong_ms.iter().sum::<f64>(), unknown_ms.iter().sum::<f64>());
        assert!(
            u > w / 3.0 && w > u / 3.0,
            "similar time: wrong {w:.3}s, unknown {u:.3}s"
        );
        assert!(c.cookie.is_none(), "no session for failed sign-ins");
        t
    })
    .await;
}

#[tokio::test]
async fn session_id_changes_at_login() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        c.cookie = Some("passerelle_session=planted-by-an-attacker".into());
        assert_eq!(c.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let first = c.cookie.clone().expect("cookie");
        assert!(!first.contains("planted"));
        assert_eq!(c.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let second = c.cookie.clone().expect("cookie");
        assert_ne!(first, second, "a new id at each sign-in");
        c.cookie = Some(first);
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "previous id is dead"
        );
        t
    })
    .await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited_without_locking_out_the_owner() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut owner = Client::new(router.clone()).from([10, 0, 0, 1]);
        assert_eq!(owner.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let mut attacker = Client::new(router).from([10, 0, 0, 2]);
        for _ in 0..3 {
            assert_eq!(
                attacker.login("admin", "guess guess guess").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let blocked = attacker.login("admin", "guess guess guess").await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = blocked.headers["retry-after"]
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!((1..=600).contains(&retry), "Retry-After {retry}");
        let even_right = attacker.login("admin", ADMIN_PW).await;
        assert_eq!(
            even_right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "blocked, even with the right password"
        );
        let mut owner_again = Client::new(owner.router.clone()).from([10, 0, 0, 1]);
        assert_eq!(
            owner_again.login("admin", ADMIN_PW).await.status,
            StatusCode::OK,
            "owner still gets in"
        );
        t
    })
    .await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_address() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router).from([10, 0, 0, 3]);
        for n in 0..10 {
            let a = c.login(&format!("user{n}"), "guess guess guess").await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(
            c.login("user99", "guess guess guess").await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        t
    })
    .await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        assert_eq!(c.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let past = server::db::now() - 10;
        t.db.execute_unprepared(&format!("UPDATE sessions SET expires_at = {past}"))
            .await
            .expect("update");
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        t
    })
    .await;
}

#[tokio::test]
async fn sessions_end_after_the_absolute_timeout() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        assert_eq!(c.login("admin", ADMIN_PW).await.status, StatusCode::OK);
        let row = session::Entity::find()
            .one(&t.db)
            .await
            .expect("query")
            .expect("session row");
        let mut rec: tower_sessions::session::Record =
            rmp_serde::from_slice(&row.data).expect("decode");
        rec.data.insert(
            "login_at".into(),
            serde_json::json!(server::db::now() - 13 * 3600),
        );
        let data = rmp_serde::to_vec(&rec).expect("encode");
        let mut am: session::ActiveModel = row.into();
        am.data = sea_orm::Set(data);
        sea_orm::ActiveModelTrait::update(am, &t.db)
            .await
            .expect("save");
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        t
    })
    .await;
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        let req = |origin: Option<&str>| {
            let mut b = http::Request::post("/api/login")
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(o) = origin {
                b = b.header("origin", o);
            }
            b.body(axum::body::Body::from(format!(
                "username=admin&password={ADMIN_PW}"
            )))
            .expect("req")
        };
        assert_eq!(c.send(req(None)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            c.send(req(Some("https://evil.example"))).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(c.cookie.is_none());
        assert_eq!(
            c.send(req(Some("http://localhost"))).await.status,
            StatusCode::OK
        );
        t
    })
    .await;
}

#[tokio::test]
async fn pages_need_a_session() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        let r = c.get_page("/admin/users").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers["location"], "/login?next=/admin/users");
        let login = c.get_page("/login").await;
        assert_eq!(login.status, StatusCode::OK);
        assert!(login.body.contains("<form"), "login page renders");
        c.login("admin", ADMIN_PW).await;
        assert_eq!(c.get_page("/login").await.headers["location"], "/");
        let users = c.get_page("/admin/users").await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(
            users.body.contains("admin"),
            "user list rendered on the server"
        );
        let session = c.cookie.clone().unwrap_or_default();
        c.cookie = Some(format!("{session}; passerelle_lang=fr"));
        let fr = c.get_page("/admin/users").await;
        c.cookie = Some(session);
        assert!(
            fr.body.contains("lang=\"fr\"") && fr.body.contains("Utilisateurs"),
            "French from the cookie"
        );
        assert_eq!(
            c.get_page("/no/such/page").await.status,
            StatusCode::NOT_FOUND
        );
        let _ = Kind::Sqlite;
        t
    })
    .await;
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    on_each_db(|t| async move {
        let mut cfg = common::config(&t);
        cfg.server.public_url = "https://passerelle.example.qc.ca".into();
        server::bootstrap::first_start(&t.db, &cfg)
            .await
            .expect("bootstrap");
        let router = server::http::router(server::state::AppState::new(t.db.clone(), cfg));
        let mut c = Client::new(router);
        let ok = c.login("admin", ADMIN_PW).await;
        let set_cookie = ok
            .headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            set_cookie.contains("Secure") && set_cookie.contains("HttpOnly"),
            "{set_cookie}"
        );
        t
    })
    .await;
}

#[tokio::test]
async fn health_and_readiness() {
    on_each_db(|t| async move {
        let (router, state) = app(&t).await;
        let mut c = Client::new(router);
        assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
        let ready = c.get("/readyz").await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.json()["status"], "ready");
        state.db.clone().close().await.expect("close");
        let down = c.get("/readyz").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!down.body.contains("pool"), "no internals: {}", down.body);
        t
    })
    .await;
}

/// The nonce a page's Content-Security-Policy header allows scripts with.
fn csp_nonce(page: &common::Answer) -> String {
    let csp = page
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn pages_allow_only_their_own_scripts() {
    on_each_db(|t| async move {
        let (router, _) = app(&t).await;
        let mut c = Client::new(router);
        let login = c.get_page("/login").await;
        let nonce = csp_nonce(&login);
        assert!(nonce.len() >= 16, "a nonce of at least 96 bits: {nonce:?}");
        c.login("admin", ADMIN_PW).await;
        let home = c.get_page("/admin/users").await;
        let other = csp_nonce(&home);
        assert_ne!(nonce, other, "a new nonce for every response");
        for (page, nonce) in [(&login, &nonce), (&home, &other)] {
            let scripts: Vec<&str> = page.body.split("<script").skip(1).collect();
            assert!(!scripts.is_empty(), "the hydration script is inline");
            for s in scripts {
                let tag = s.split('>').next().unwrap_or_default();
                assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{tag}");
            }
        }
        let api = c.get("/api/v1/me").await;
        let csp = api.headers["content-security-policy"]
            .to_str()
            .unwrap_or("");
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        t
    })
    .await;
}
