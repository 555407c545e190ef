//! pynetdicom peers for the tests (scripts in `tests/peers/`, pynetdicom in
//! `$PASSERELLE_PYLIB`, not on PATH: it would shadow DCMTK): a JSON plan on stdin or arguments,
//! one JSON answer per line on stdout.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn pylib() -> String {
    std::env::var("PASSERELLE_PYLIB").unwrap_or_else(|_| "/var/cache/passerelle/pylib".to_owned())
}

fn script(name: &str) -> String {
    format!("{}/tests/peers/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn lines(name: &str, out: std::process::Output) -> Vec<Value> {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name}: {text}\n{err}");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{err}")))
        .collect()
}

/// Runs `tests/peers/{name}` with `plan` on stdin.
pub fn run_plan(name: &str, plan: &Value) -> Vec<Value> {
    let mut child = Command::new("python3")
        .arg(script(name))
        .env("PYTHONPATH", pylib())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with pynetdicom");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(plan.to_string().as_bytes())
        .expect("plan");
    lines(name, child.wait_with_output().expect(name))
}

/// Runs `tests/peers/{name}` with `args`.
pub fn run_args(name: &str, args: &[&str]) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(script(name))
        .env("PYTHONPATH", pylib())
        .args(args)
        .output()
        .expect("python3 with pynetdicom");
    lines(name, out)
}
