//! Prometheus metrics (`GET /metrics`): counters recorded by the DICOM listener, the ingest and
//! the forwarders (through the `metrics` facade), plus the forward queue and the spool read from
//! the database at each scrape. Served only to the networks in `[metrics] allow`, and with
//! `[metrics] token` set only to a caller presenting it.

use crate::db::RepoError;
use crate::db::index_entities::instance;
use crate::db::routing_entities::destination;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use domain::forward::JobState;
use http::{StatusCode, header};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle). `None` if another
/// recorder was installed first: counters are then not kept, and the scrape says so.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0, 5.0])
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// HELP texts, and the association counters at zero so that a rate exists from the start.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "passerelle_dimse_associations_total",
        "DICOM association requests."
    );
    describe_gauge!(
        "passerelle_dimse_associations_active",
        "Associations being served."
    );
    describe_counter!(
        "passerelle_instances_received_total",
        "Instances received, by answer."
    );
    describe_counter!(
        "passerelle_received_bytes_total",
        "Bytes of the instances accepted."
    );
    describe_histogram!(
        "passerelle_ingest_duration_seconds",
        "From a data set received to its durable answer."
    );
    describe_counter!(
        "passerelle_forward_attempts_total",
        "Forward attempts, by outcome."
    );
    describe_counter!(
        "passerelle_tls_reload_failures_total",
        "Changed DICOM TLS files that could not be used (the previous configuration stayed)."
    );
    metrics::counter!("passerelle_tls_reload_failures_total").absolute(0);
    for outcome in ["accepted", "rejected", "busy"] {
        metrics::counter!("passerelle_dimse_associations_total", "outcome" => outcome).absolute(0);
    }
    active_associations(0.0);
}

/// An association request: `accepted`, `rejected` (by negotiation or the registry, or no
/// request in time) or `busy` (over the cap). No AE title label: a rejected caller chooses it.
pub fn association(outcome: &'static str) {
    metrics::counter!("passerelle_dimse_associations_total", "outcome" => outcome).increment(1);
}

/// Changed DICOM TLS files that did not build a configuration.
pub fn tls_reload_failed() {
    metrics::counter!("passerelle_tls_reload_failures_total").increment(1);
}

/// Associations being served now (`delta` +1 when one starts, -1 when it ends).
pub fn active_associations(delta: f64) {
    metrics::gauge!("passerelle_dimse_associations_active").increment(delta);
}

/// Counts one association as active until dropped (however its task ends).
pub struct ActiveAssociation(());

impl ActiveAssociation {
    pub fn start() -> Self {
        active_associations(1.0);
        Self(())
    }
}

impl Drop for ActiveAssociation {
    fn drop(&mut self) {
        active_associations(-1.0);
    }
}

/// One instance received by `door` (`dimse` or `stow`), answered `success`, `warning` or
/// `failure`; with its size and the time from its last byte to its answer.
pub fn received(door: &'static str, outcome: &'static str, bytes: usize, seconds: f64) {
    metrics::counter!("passerelle_instances_received_total", "door" => door, "outcome" => outcome)
        .increment(1);
    if outcome != "failure" {
        metrics::counter!("passerelle_received_bytes_total", "door" => door)
            .increment(bytes as u64);
        metrics::histogram!("passerelle_ingest_duration_seconds", "door" => door).record(seconds);
    }
}

/// A Modality Worklist query answered with `matches` items.
pub fn worklist_query(matches: usize) {
    metrics::counter!("passerelle_worklist_queries_total").increment(1);
    metrics::histogram!("passerelle_worklist_matches").record(matches as f64);
}

/// An MPPS N-CREATE (`create`) or N-SET, applied or refused.
pub fn mpps(create: bool, applied: bool) {
    let op = if create { "n_create" } else { "n_set" };
    let outcome = if applied { "applied" } else { "refused" };
    metrics::counter!("passerelle_mpps_requests_total", "operation" => op, "outcome" => outcome)
        .increment(1);
}

/// A study became complete.
pub fn study_complete() {
    metrics::counter!("passerelle_studies_complete_total").increment(1);
}

/// A storage commitment request answered: instances committed and failed.
pub fn commitment(committed: usize, failed: usize) {
    metrics::counter!("passerelle_storage_commitment_instances_total", "outcome" => "committed")
        .increment(committed as u64);
    metrics::counter!("passerelle_storage_commitment_instances_total", "outcome" => "failed")
        .increment(failed as u64);
}

/// A Query/Retrieve request answered by the SCP (`find`, `move`, `get`) and its final status.
pub fn qr_scp(service: &'static str, status: u16) {
    let outcome = match status {
        0x0000 => "success",
        0xFE00 => "cancelled",
        0xB000 => "partial",
        _ => "failure",
    };
    metrics::counter!("passerelle_qr_scp_requests_total", "service" => service, "outcome" => outcome)
        .increment(1);
}

/// Forward attempts to `destination` that ended `done`, `retry` or `dead`.
pub fn forwarded(destination: &str, outcome: &'static str, n: u64) {
    metrics::counter!("passerelle_forward_attempts_total", "destination" => destination.to_owned(), "outcome" => outcome)
        .increment(n);
}

/// Whether `peer` may read the metrics: from an allowed network, with the token if one is set.
fn allowed(state: &AppState, peer: Option<SocketAddr>, req: &Request) -> bool {
    let cfg = &state.config.metrics;
    let from_network =
        peer.is_some_and(|p| cfg.allow.iter().any(|n| n.contains(&p.ip().to_canonical())));
    let with_token = match &cfg.token {
        None => true,
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes())),
    };
    cfg.enabled && from_network && with_token
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`: the exposition text (Prometheus format 0.0.4).
pub async fn scrape(State(state): State<AppState>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !allowed(&state, peer, &req) {
        return (
            StatusCode::FORBIDDEN,
            "metrics are not served to this caller\n",
        )
            .into_response();
    }
    let mut text = install().map(|h| h.render()).unwrap_or_default();
    match queue_and_spool(&state.db).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: database unavailable");
            text.push_str("# the forward queue and spool gauges need the database\n");
            gauge(&mut text, "passerelle_database_up", DATABASE_UP);
            text.push_str("passerelle_database_up 0\n");
        }
    }
    text.push_str(&certificate_gauge(&state.config.dicom));
    let kind = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, kind)], text).into_response()
}

/// A label value in the exposition format (backslash, quote and newline escaped).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

const DATABASE_UP: &str = "0 when the database did not answer the scrape.";

/// Writes the HELP and TYPE lines of gauge `name`.
fn gauge(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

/// When the DICOM TLS certificate this side presents stops being valid (alert on it minus
/// `time()`): the one in use, so a renewal that did not load (see
/// `passerelle_tls_reload_failures_total`) does not look done; nothing without `tls_cert_file`.
fn certificate_gauge(cfg: &crate::config::DicomConfig) -> String {
    let mut out = String::new();
    let (Some(path), Some(end)) = (&cfg.tls_cert_file, crate::dimse::tls::in_use_not_after())
    else {
        return out;
    };
    let name = "passerelle_tls_certificate_not_after_seconds";
    gauge(
        &mut out,
        name,
        "End of validity of the certificate presented, seconds since 1970.",
    );
    let file = label(&path.display().to_string());
    let _ = writeln!(out, "{name}{{file=\"{file}\"}} {end}");
    out
}

/// The gauges read from the database: the forward queue, then the spool.
async fn queue_and_spool(db: &impl ConnectionTrait) -> Result<String, RepoError> {
    let mut out = queue_gauges(db).await?;
    out.push_str(&spool_gauges(db).await?);
    gauge(&mut out, "passerelle_database_up", DATABASE_UP);
    let _ = writeln!(out, "passerelle_database_up 1");
    Ok(out)
}

/// Jobs per destination and state (every state listed, zero included), paused destinations.
async fn queue_gauges(db: &impl ConnectionTrait) -> Result<String, RepoError> {
    let dests: Vec<(i64, String, bool)> = destination::Entity::find()
        .select_only()
        .columns([
            destination::Column::Id,
            destination::Column::Name,
            destination::Column::Paused,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let counts = crate::db::transfers::counts_by_state(db, &domain::Scope::All).await?;
    let mut out = String::new();
    let jobs = "passerelle_forward_jobs";
    gauge(&mut out, jobs, "Forward jobs by destination and state.");
    for (id, name, _) in &dests {
        for s in JobState::ALL {
            let n = counts
                .iter()
                .find(|c| c.0 == *id && c.1 == s.as_str())
                .map_or(0, |c| c.2);
            let (d, st) = (label(name), s.as_str());
            let _ = writeln!(out, "{jobs}{{destination=\"{d}\",state=\"{st}\"}} {n}");
        }
    }
    let paused = "passerelle_destination_paused";
    gauge(&mut out, paused, "1 if the destination is paused.");
    for (_, name, p) in &dests {
        let (d, p) = (label(name), u8::from(*p));
        let _ = writeln!(out, "{paused}{{destination=\"{d}\"}} {p}");
    }
    Ok(out)
}

/// The spool copies not yet released: how many, and their bytes.
async fn spool_gauges(db: &impl ConnectionTrait) -> Result<String, RepoError> {
    // PostgreSQL's SUM of a bigint is a numeric: cast back.
    let (held, bytes): (i64, i64) = instance::Entity::find()
        .select_only()
        .column_as(Expr::col(instance::Column::Id).count(), "n")
        .column_as(Expr::cust("CAST(COALESCE(SUM(size), 0) AS BIGINT)"), "b")
        .filter(instance::Column::PurgedAt.is_null())
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, 0));
    let mut out = String::new();
    let (n, b) = ("passerelle_spool_instances", "passerelle_spool_bytes");
    gauge(&mut out, n, "Spool copies not yet released.");
    let _ = writeln!(out, "{n} {held}");
    gauge(&mut out, b, "Bytes of the spool copies not yet released.");
    let _ = writeln!(out, "{b} {bytes}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secre"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
    }
}
