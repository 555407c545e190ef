//! WADO-RS (PS3.18 §10.4): instances of a study, series or instance as `multipart/related`
//! Part-10 files (§10.4.1.1.1), their metadata as DICOM JSON (§10.4.1.1.2), frames
//! (§10.4.1.1.5), bulk data (§10.4.1.1.6), rendered images and thumbnails (§10.4.1.1.3,
//! §10.4.1.1.4), answered from the index and the spool within the caller's clinics (another
//! clinic's study is 404). Instances are sent as stored: Passerelle does not transcode.
//! Routes here; `locate`, `accept`, `multipart`, `meta`, `pixels` and `render` hold no axum
//! types.

pub mod accept;
mod decode;
mod images;
pub mod locate;
pub mod meta;
pub mod multipart;
pub mod pixels;
pub mod render;
mod retrieve;

use super::{Caller, DwError};
use crate::state::AppState;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use locate::{Located, Target};
use pixels::PixelError;

pub fn routes() -> Router<AppState> {
    const I: &str = "/studies/{study}/series/{series}/instances/{instance}";
    const SE: &str = "/studies/{study}/series/{series}";
    let at = |tail: &str| format!("{I}{tail}");
    let mut r = Router::new();
    // Study, series and instance levels share their handlers (`locate::Resource`).
    for level in ["/studies/{study}", SE, I] {
        r = r
            .route(level, get(retrieve::retrieve))
            .route(&format!("{level}/metadata"), get(retrieve::metadata_of))
            .route(&format!("{level}/thumbnail"), get(images::thumbnail));
    }
    r.route(&at("/frames/{frames}"), get(images::frames))
        .route(&at("/bulkdata/{tag}"), get(images::bulkdata))
        .route(&at("/rendered"), get(images::rendered))
        .route(&at("/frames/{frames}/rendered"), get(images::rendered))
        .route(&at("/frames/{frames}/thumbnail"), get(images::thumbnail))
}

/// `{public_url}/dicomweb`, the root of the URLs given in metadata.
fn base(state: &AppState) -> String {
    format!(
        "{}/dicomweb",
        state.config.server.public_url.trim_end_matches('/')
    )
}

fn accept_of(h: &HeaderMap) -> Option<&str> {
    h.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// 404 for instances whose spool copy was released after forwarding and that no destination
/// could give back (`fetchback`).
fn released() -> Response {
    (
        StatusCode::NOT_FOUND,
        "released to the archive after forwarding, and no archive could give it back",
    )
        .into_response()
}

/// A Warning (PS3.18 §8.5.1) when some instances of the target were left out.
fn warn_released(res: &mut Response, n: usize) {
    if n == 0 {
        return;
    }
    let w = format!(
        "299 passerelle \"{n} instance(s) were released to the archive and could not be fetched back\""
    );
    if let Ok(v) = HeaderValue::from_str(&w) {
        res.headers_mut().insert(header::WARNING, v);
    }
}

fn pixel_error(e: PixelError) -> DwError {
    match e {
        PixelError::NoPixelData | PixelError::NoSuchFrame(_) | PixelError::NoBulkData => {
            DwError::NotFound
        }
        PixelError::Unsupported(why) => DwError::NotAcceptable(why),
        other => DwError::internal(other),
    }
}

/// Runs spool reading off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PixelError> + Send + 'static,
) -> Result<T, DwError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(DwError::internal)?
        .map_err(pixel_error)
}

/// The one instance of an instance resource; `None` when it was released to the archive.
async fn one(
    state: &AppState,
    caller: &Caller,
    (study, series, instance): &(String, String, String),
) -> Result<Option<Located>, DwError> {
    let target = Target {
        study,
        series: Some(series),
        instance: Some(instance),
    };
    let found = locate::find(state, &caller.scope, target).await?;
    Ok(found.here.into_iter().next())
}
