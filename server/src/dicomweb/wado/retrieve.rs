//! WADO-RS instance and metadata resources (PS3.18 §10.4.1.1.1, §10.4.1.1.2): the Part-10
//! files of a study, series or instance streamed from the spool as `multipart/related;
//! type="application/dicom"` (§10.4.3.3.1, each part with its stored transfer syntax), and
//! their DICOM JSON metadata (§10.4.3.3.2).

use super::accept::{self, Packaging};
use super::locate::{self, Found, Resource, Target};
use super::multipart::{self, Part, Source};
use super::{Caller, DwError, accept_of, base, blocking, meta, pixels, released, warn_released};
use crate::dicomweb::qido::accepts_json;
use crate::state::AppState;
use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, stream};
use http::{HeaderMap, HeaderValue, header};

/// Metadata files read at once.
const PARALLEL_READS: usize = 4;

fn with_type(mut res: Response, content_type: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

/// The spool files of `found`, each with its size, as `application/dicom` parts.
async fn parts(found: &Found) -> Result<Vec<Part>, DwError> {
    let mut out = Vec::with_capacity(found.here.len());
    for l in &found.here {
        let len = tokio::fs::metadata(&l.path)
            .await
            .map_err(|e| DwError::internal(format!("{}: {e}", l.path.display())))?
            .len();
        out.push(Part {
            content_type: format!("application/dicom; transfer-syntax={}", l.transfer_syntax),
            source: Source::File {
                path: l.path.clone(),
                ranges: vec![(0, len)],
            },
        });
    }
    Ok(out)
}

async fn instances(
    state: &AppState,
    caller: &Caller,
    target: Target<'_>,
    h: &HeaderMap,
) -> Result<Response, DwError> {
    let found = locate::find(state, &caller.scope, target).await?;
    let Some(first) = found.here.first() else {
        return Ok(released());
    };
    let mut syntaxes: Vec<&str> = found
        .here
        .iter()
        .map(|l| l.transfer_syntax.as_str())
        .collect();
    syntaxes.sort_unstable();
    syntaxes.dedup();
    let single = target.instance.is_some();
    let packaging = accept::dicom(accept_of(h), &syntaxes, single)?;
    tracing::info!(actor = %caller.actor, study = target.study, instances = found.here.len(),
        "WADO-RS retrieve");
    let mut res = if packaging == Packaging::Single {
        let bytes = tokio::fs::read(&first.path)
            .await
            .map_err(DwError::internal)?;
        let ct = format!(
            "application/dicom; transfer-syntax={}",
            first.transfer_syntax
        );
        with_type(Body::from(bytes).into_response(), &ct)
    } else {
        let b = multipart::boundary();
        let ts = (syntaxes.len() == 1).then(|| syntaxes[0]);
        let ct = multipart::content_type(&b, "application/dicom", ts);
        with_type(
            multipart::body(b, parts(&found).await?).into_response(),
            &ct,
        )
    };
    warn_released(&mut res, found.released);
    Ok(res)
}

/// A study, series or instance (the route decides which): its Part-10 files.
pub async fn retrieve(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    r: Resource,
    h: HeaderMap,
) -> Result<Response, DwError> {
    instances(&s, &c, r.target(), &h).await
}

async fn metadata(
    state: &AppState,
    caller: &Caller,
    target: Target<'_>,
    h: &HeaderMap,
) -> Result<Response, DwError> {
    accepts_json(h)?;
    let found = locate::find(state, &caller.scope, target).await?;
    if found.here.is_empty() {
        return Ok(released());
    }
    let base = base(state);
    let reads = found.here.iter().cloned().map(|l| {
        let url = l.url(&base);
        blocking(move || {
            let enc = pixels::encapsulated(&l.transfer_syntax);
            meta::metadata(&l.path, &url, &l.transfer_syntax, enc)
        })
    });
    let items: Vec<serde_json::Value> = stream::iter(reads)
        .buffered(PARALLEL_READS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut res = with_type(axum::Json(items).into_response(), "application/dicom+json");
    warn_released(&mut res, found.released);
    Ok(res)
}

/// The metadata of a study, series or instance (the route decides which).
pub async fn metadata_of(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    r: Resource,
    h: HeaderMap,
) -> Result<Response, DwError> {
    metadata(&s, &c, r.target(), &h).await
}
