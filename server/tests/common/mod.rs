//! Test support: a fresh database per test on SQLite and on PostgreSQL, a configured router, and
//! a small cookie-keeping HTTP client that drives the router in-process.
#![allow(dead_code)]

pub mod files;
pub mod hl7;
pub mod netconf;
pub mod pacs;
pub mod peers;
pub mod pki;
pub mod pynet;
pub mod registry;
pub mod rig;
pub mod routes;
pub mod web;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use server::config::Config;
use server::db;
use server::state::AppState;
use std::net::SocketAddr;
use tower::ServiceExt;

/// A DICOM TLS listener's configuration, following its files.
pub type TlsSource = server::dimse::reload::Reloading<rustls::ServerConfig>;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// The databases every test runs on: both, unless PASSERELLE_TEST_DATABASES says otherwise.
pub fn kinds() -> Vec<Kind> {
    match std::env::var("PASSERELLE_TEST_DATABASES").as_deref() {
        Ok("sqlite") => vec![Kind::Sqlite],
        Ok("postgres") => vec![Kind::Postgres],
        _ => vec![Kind::Sqlite, Kind::Postgres],
    }
}

fn pg_base() -> String {
    std::env::var("PASSERELLE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh, migrated database; dropped by `finish`.
pub struct TestDb {
    pub kind: Kind,
    pub url: String,
    pub db: DatabaseConnection,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(kind: Kind) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg_name) = match kind {
            Kind::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()),
                None,
            ),
            Kind::Postgres => {
                let name = format!("passerelle_t_{}", uuid::Uuid::new_v4().simple());
                let admin = db::connect(&format!("{}/postgres", pg_base()), 1)
                    .await
                    .expect("PostgreSQL at 127.0.0.1:5432");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.close().await.ok();
                (format!("{}/{name}", pg_base()), Some(name))
            }
        };
        let db = db::connect(&url, 5).await.expect("connect");
        db::migrate_up(&db).await.expect("migrate");
        Self {
            kind,
            url,
            db,
            pg_name,
            _dir: dir,
        }
    }

    pub async fn finish(self) {
        self.db.close().await.ok();
        if let Some(name) = self.pg_name
            && let Ok(admin) = db::connect(&format!("{}/postgres", pg_base()), 1).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            admin.execute_unprepared(&drop).await.ok();
            admin.close().await.ok();
        }
    }

    pub fn path(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// A configuration for tests: tight sign-in limits, data in the test's temp dir.
pub fn config(t: &TestDb) -> Config {
    let mut c = Config::default();
    c.database.url = t.url.clone();
    c.server.data_dir = t.path().to_owned();
    c.bootstrap.admin_password = Some("correct horse battery".into());
    // The demo's sample patients, users and orders only where a test asks for them.
    c.bootstrap.demo_records = false;
    c.auth.account_burst = 3;
    c.auth.account_refill_seconds = 600;
    c.auth.address_burst = 10;
    c.auth.address_refill_seconds = 600;
    c
}

/// A router over a bootstrapped database (clinic DEMO, user admin).
pub async fn app(t: &TestDb) -> (Router, AppState) {
    let cfg = config(t);
    server::bootstrap::first_start(&t.db, &cfg)
        .await
        .expect("bootstrap");
    let state = AppState::new(t.db.clone(), cfg);
    (server::http::router(state.clone()), state)
}

/// An in-process HTTP client that keeps the session cookie, like a browser.
pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
    pub peer: SocketAddr,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Client {
    pub fn new(router: Router) -> Self {
        Self {
            router,
            cookie: None,
            peer: SocketAddr::from(([127, 0, 0, 1], 50000)),
        }
    }

    pub fn from(mut self, ip: [u8; 4]) -> Self {
        self.peer = SocketAddr::from((ip, 50000));
        self
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Answer {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        req.headers_mut()
            .insert(header::HOST, "localhost".parse().expect("host"));
        if let Some(c) = &self.cookie {
            req.headers_mut()
                .insert(header::COOKIE, c.parse().expect("cookie"));
        }
        let res: Response<Body> = self.router.clone().oneshot(req).await.expect("router");
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let sc = sc.to_str().unwrap_or("");
            if let Some(kv) = sc
                .split(';')
                .next()
                .filter(|kv| kv.starts_with("passerelle_session="))
            {
                let removed = sc.contains("Max-Age=0") || kv == "passerelle_session=";
                self.cookie = if removed { None } else { Some(kv.to_owned()) };
            }
        }
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let req = Request::get(path)
            .header(header::ACCEPT, "application/json")
            .body(Body::empty());
        self.send(req.expect("request")).await
    }

    pub async fn get_page(&mut self, path: &str) -> Answer {
        let req = Request::get(path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty());
        self.send(req.expect("request")).await
    }

    /// A same-origin form post, as the browser sends it.
    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).expect("form");
        let req = Request::post(path)
            .header(header::ORIGIN, "http://localhost")
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body));
        self.send(req.expect("request")).await
    }

    pub async fn post_json(&mut self, path: &str, json: serde_json::Value) -> Answer {
        let req = Request::post(path)
            .header(header::ORIGIN, "http://localhost")
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()));
        self.send(req.expect("request")).await
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Answer {
        self.post_form("/api/login", &[("username", user), ("password", password)])
            .await
    }
}
