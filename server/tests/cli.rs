//! The binary's command line: help for each command, configuration errors naming the key with
//! exit code 78, migrate up / down / status, and user add.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn passerelle(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_passerelle"));
    cmd.args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn passerelle");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["migrate", "down", "--help"],
        &["user", "add", "--help"],
        &["spool", "verify", "--help"],
    ] {
        let o = passerelle(args, &[], None);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("Usage"), "{args:?}");
    }
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("p.toml");
    std::fs::write(&file, "[server]\nhttp_addr = \"not an address\"\n").expect("write");
    let o = passerelle(
        &[
            "--config",
            file.to_str().expect("path"),
            "migrate",
            "status",
        ],
        &[],
        None,
    );
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    assert!(text(&o).contains("server.http_addr"), "{}", text(&o));

    std::fs::write(&file, "[server]\nhttp_adr = \"127.0.0.1:1\"\n").expect("write");
    let o = passerelle(
        &[
            "--config",
            file.to_str().expect("path"),
            "migrate",
            "status",
        ],
        &[],
        None,
    );
    assert_eq!(o.status.code(), Some(78));
    assert!(
        text(&o).contains("http_adr"),
        "unknown key named: {}",
        text(&o)
    );

    let o = passerelle(
        &["migrate", "status"],
        &[("PASSERELLE__DATABASE__URL", "mysql://x")],
        None,
    );
    assert_eq!(o.status.code(), Some(78));
    assert!(text(&o).contains("database.url"), "{}", text(&o));

    let o = passerelle(
        &["--config", "/nonexistent/p.toml", "migrate", "status"],
        &[],
        None,
    );
    assert_eq!(o.status.code(), Some(78));
    assert!(text(&o).contains("/nonexistent/p.toml"));
}

#[test]
fn migrate_and_add_a_user() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_str().expect("path");
    let status = |o: &Output| text(o);
    let o = passerelle(&["--data-dir", d, "migrate", "status"], &[], None);
    assert!(status(&o).contains("pending"), "{}", status(&o));
    let o = passerelle(&["--data-dir", d, "migrate", "up"], &[], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = passerelle(&["--data-dir", d, "migrate", "status"], &[], None);
    assert!(
        status(&o).contains("applied") && !status(&o).contains("pending"),
        "{}",
        status(&o)
    );
    let o = passerelle(&["--data-dir", d, "migrate", "down"], &[], None);
    assert!(o.status.success(), "{}", text(&o));
    let o = passerelle(&["--data-dir", d, "migrate", "status"], &[], None);
    assert!(status(&o).contains("pending"));

    let add = [
        "--data-dir",
        d,
        "user",
        "add",
        "--username",
        "Rad.One",
        "--name",
        "Dre Gagnon",
        "--role",
        "radiologist",
        "--clinic",
        "DEMO",
    ];
    let o = passerelle(&add, &[], None);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no clinic with code DEMO"),
        "{}",
        text(&o)
    );
    // The first `serve` creates DEMO; here the clinic is created directly.
    let rt = tokio::runtime::Runtime::new().expect("rt");
    rt.block_on(async {
        let url = format!("sqlite://{d}/passerelle.db?mode=rwc");
        let db = server::db::connect(&url, 1).await.expect("db");
        server::db::migrate_up(&db).await.expect("up");
        let code = domain::ClinicCode::parse("DEMO").expect("code");
        server::db::clinics::create(
            &db,
            &code,
            &domain::ClinicName::parse("Démo").expect("name"),
        )
        .await
        .expect("clinic");
    });
    let mut with_stdin = add.to_vec();
    with_stdin.push("--password-stdin");
    let o = passerelle(&with_stdin, &[], Some("a long enough password\n"));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("created user rad.one (radiologist)"));
    let o = passerelle(&with_stdin, &[], Some("a long enough password\n"));
    assert!(!o.status.success(), "duplicate refused");
    let mut bad = add.to_vec();
    bad[5] = "x y";
    let o = passerelle(&bad, &[], None);
    assert!(
        !o.status.success() && text(&o).contains("--username"),
        "{}",
        text(&o)
    );
}

#[test]
fn echo_reaches_dcmtk_storescp_and_reports_failures() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut scp = Command::new("storescp")
        .env("TCP_NODELAY", "1")
        .args(["-aet", "STORESCP", "-od", "/tmp"])
        .arg(port.to_string())
        .spawn()
        .expect("storescp (Debian package dcmtk)");
    let target = format!("STORESCP@127.0.0.1:{port}");
    let mut o = passerelle(&["echo", &target], &[], None);
    for _ in 0..50 {
        if o.status.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        o = passerelle(&["echo", &target], &[], None);
    }
    let _ = scp.kill();
    let _ = scp.wait();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("succeeded in"), "{}", text(&o));
    let o = passerelle(
        &[
            "echo",
            "--timeout",
            "2",
            &format!("STORESCP@127.0.0.1:{port}"),
        ],
        &[],
        None,
    );
    assert!(!o.status.success(), "nobody listens any more");
    let o = passerelle(&["echo", "no-at-sign"], &[], None);
    assert!(
        !o.status.success() && text(&o).contains("AE@host:port"),
        "{}",
        text(&o)
    );
    let o = passerelle(&["echo", "TOO-LONG-AE-TITLE-X@127.0.0.1:104"], &[], None);
    assert!(
        !o.status.success() && text(&o).contains("AE title"),
        "{}",
        text(&o)
    );
}

#[test]
fn spool_verify_on_an_empty_data_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_str().expect("utf-8");
    let o = passerelle(&["--data-dir", d, "spool", "verify"], &[], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("0 spool copies checked, 0 missing or damaged"),
        "{}",
        text(&o)
    );
}
