//! STOW-RS (PS3.18 §10.5): `POST /studies` and `POST /studies/{study}` with a
//! `multipart/related; type="application/dicom"` body. The body is streamed part by part
//! (each part bounded by `dicom.max_dataset_mib`, the whole by `dicomweb.max_stow_mib`); every
//! part goes through the same durable ingest and routing as a C-STORE, the next part being read
//! while the previous one is made durable; the answer lists what was stored and what failed
//! (§10.5.3, Annex I).

mod answer;
mod part;
mod request;

use super::qido::accepts_json;
use super::{Caller, DwError};
use crate::ingest::StoreRequest;
use crate::qr::QrServiceError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use http::{HeaderMap, StatusCode};
use part::{Outcome, Target};
use tokio::task::JoinHandle;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/studies", post(store_any))
        .route("/studies/{study}", post(store_in_study))
}

async fn store_any(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
    body: Body,
) -> Result<Response, DwError> {
    run(&s, &c, None, q, &h, body).await
}

async fn store_in_study(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(study): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
    body: Body,
) -> Result<Response, DwError> {
    run(&s, &c, Some(study), q, &h, body).await
}

/// Where the instances go: the clinic, its AE title, the ingest pipeline.
async fn target(
    state: &AppState,
    caller: &Caller,
    raw: Option<&str>,
    study: Option<String>,
) -> Result<Target, DwError> {
    let param = request::clinic_param(raw)?;
    let clinic = request::clinic(state, &caller.scope, param.as_deref()).await?;
    let ingest = state
        .ingest
        .get()
        .cloned()
        .ok_or_else(|| DwError::internal("STOW-RS before the ingest pipeline is ready"))?;
    let called_ae = match crate::qr::local_ae(&state.db, clinic).await {
        Ok(ae) => ae,
        Err(QrServiceError::NoLocalAe) => "DICOMWEB".to_owned(),
        Err(e) => return Err(DwError::internal(e)),
    };
    Ok(Target {
        ingest,
        clinic,
        called_ae,
        study,
    })
}

async fn run(
    state: &AppState,
    caller: &Caller,
    study: Option<String>,
    raw: Option<String>,
    h: &HeaderMap,
    body: Body,
) -> Result<Response, DwError> {
    // Who may upload comes before what was sent.
    if !caller.can_store {
        return Err(DwError::UploadNotAllowed);
    }
    accepts_json(h)?;
    let boundary = request::boundary(h)?;
    let mib = state.config.dicomweb.max_stow_mib;
    let max = u64::from(mib) << 20;
    request::announced_length(h, max, mib)?;
    let target = target(state, caller, raw.as_deref(), study.clone()).await?;
    let clinic = target.clinic.0;
    let per_part = (state.config.dicom.max_dataset_mib as usize) << 20;
    let limits = multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(max));
    let mut parts = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let (outcomes, cut) = receive(&mut parts, target, per_part).await;
    let stored = outcomes.iter().filter(|o| o.failure.is_none()).count();
    tracing::info!(
        actor = %caller.actor, clinic, parts = outcomes.len(), stored,
        cut = cut.as_ref().map(|e| e.to_string()), "STOW-RS request"
    );
    if let Some(e) = cut {
        return Ok(interrupted(e, stored, mib));
    }
    if outcomes.is_empty() {
        return Err(DwError::BadRequest("the request has no part".into()));
    }
    let base = format!(
        "{}/dicomweb",
        state.config.server.public_url.trim_end_matches('/')
    );
    Ok(answer::respond(&base, study.as_deref(), &outcomes))
}

/// A body that could not be read to its end: 413 past the limit (PS3.18 §8.5), else 400. The
/// instances of the parts before it are stored (each was made durable on its own); the reason
/// says how many.
fn interrupted(e: multer::Error, stored: usize, mib: u32) -> Response {
    let before = if stored > 0 {
        format!("; the {stored} instance(s) before that point were stored")
    } else {
        String::new()
    };
    match e {
        multer::Error::StreamSizeExceeded { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request larger than {mib} MiB{before}"),
        )
            .into_response(),
        other => DwError::BadRequest(format!("unreadable multipart body ({other}){before}"))
            .into_response(),
    }
}

/// Most parts, and bytes, ingested together (one index commit for them, `Ingest::store_batch`).
const BATCH_PARTS: usize = 32;
const BATCH_BYTES: usize = 64 << 20;

/// Parts read and checked, waiting for their batch.
#[derive(Default)]
struct Batch {
    slots: Vec<Result<Outcome, Outcome>>,
    requests: Vec<StoreRequest>,
    bytes: usize,
}

impl Batch {
    fn full(&self) -> bool {
        self.requests.len() >= BATCH_PARTS || self.bytes >= BATCH_BYTES
    }
}

/// Stores a batch; outcomes in the order of its parts.
async fn store_batch(target: Target, b: Batch) -> Vec<Outcome> {
    let results = target.ingest.store_batch(b.requests).await;
    let mut results = results.into_iter();
    b.slots
        .into_iter()
        .map(|slot| match slot {
            Ok(out) => match results.next() {
                Some(r) => part::settle(out, &r),
                None => Outcome::failed(part::PROCESSING_FAILURE),
            },
            Err(refused) => refused,
        })
        .collect()
}

/// Reads the parts one after the other and ingests them in batches, one batch being stored
/// while the next is read; stops at the first unreadable piece of the body and returns the
/// outcomes so far (in the order of the parts) with the error.
async fn receive(
    parts: &mut multer::Multipart<'static>,
    target: Target,
    per_part: usize,
) -> (Vec<Outcome>, Option<multer::Error>) {
    let mut done = Vec::new();
    let mut pending: Option<(usize, JoinHandle<Vec<Outcome>>)> = None;
    let mut batch = Batch::default();
    let cut = loop {
        let field = match parts.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break None,
            Err(e) => break Some(e),
        };
        match read_part(field, per_part).await {
            Ok(Some(b)) => {
                batch.bytes += b.len();
                match part::prepare(&target, b).await {
                    Ok((out, rq)) => {
                        batch.slots.push(Ok(out));
                        batch.requests.push(rq);
                    }
                    Err(refused) => {
                        crate::telemetry::received("stow", "failure", 0, 0.0);
                        batch.slots.push(Err(refused));
                    }
                }
            }
            Ok(None) => {
                crate::telemetry::received("stow", "failure", 0, 0.0);
                batch
                    .slots
                    .push(Err(Outcome::failed(part::OUT_OF_RESOURCES)));
            }
            Err(e) => break Some(e),
        }
        if batch.full() {
            if let Some(p) = pending.take() {
                done.extend(finished(p).await);
            }
            let n = batch.slots.len();
            let b = std::mem::take(&mut batch);
            pending = Some((n, tokio::spawn(store_batch(target.clone(), b))));
        }
    };
    if let Some(p) = pending.take() {
        done.extend(finished(p).await);
    }
    done.extend(store_batch(target, batch).await);
    (done, cut)
}

/// The outcomes of a stored batch of `n` parts (all failed if its task died).
async fn finished((n, p): (usize, JoinHandle<Vec<Outcome>>)) -> Vec<Outcome> {
    p.await
        .unwrap_or_else(|_| vec![Outcome::failed(part::PROCESSING_FAILURE); n])
}

/// One part's bytes, or `None` when it is larger than `max` (the rest of it is skipped).
async fn read_part(
    mut field: multer::Field<'static>,
    max: usize,
) -> Result<Option<Vec<u8>>, multer::Error> {
    let mut buf = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        if over {
            continue;
        }
        if buf.len() + chunk.len() > max {
            over = true;
            buf = Vec::new();
        } else {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok((!over).then_some(buf))
}
