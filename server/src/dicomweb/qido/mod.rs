//! QIDO-RS (PS3.18 §10.6): `/studies`, `/studies/{study}/series`, `/series`,
//! `/studies/{study}/series/{series}/instances`, `/studies/{study}/instances`, `/instances`,
//! answered from the index as DICOM JSON, newest first, paged by `limit` / `offset`. A study or
//! series outside the caller's clinics is 404.

mod params;
mod rows;

use super::{Caller, DwError};
use crate::db::index_query::{Within, depth};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use http::{HeaderMap, HeaderValue, header};
pub use params::tag_of;
use params::{Include, Params};
pub use rows::visible;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/studies", get(studies))
        .route("/studies/{study}/series", get(study_series))
        .route("/series", get(all_series))
        .route(
            "/studies/{study}/series/{series}/instances",
            get(series_instances),
        )
        .route("/studies/{study}/instances", get(study_instances))
        .route("/instances", get(all_instances))
}

/// 406 unless the client accepts DICOM JSON (PS3.18 §8.7.3).
pub fn accepts_json(h: &HeaderMap) -> Result<(), DwError> {
    let Some(accept) = h.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let ok = accept.split(',').any(|t| {
        let t = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        matches!(
            t.as_str(),
            "application/dicom+json" | "application/json" | "*/*" | "application/*" | ""
        )
    });
    if ok {
        Ok(())
    } else {
        Err(DwError::NotAcceptable(accept.to_owned()))
    }
}

async fn run(
    state: &AppState,
    caller: &Caller,
    level: u8,
    within: Within,
    raw: Option<String>,
    h: &HeaderMap,
) -> Result<Response, DwError> {
    accepts_json(h)?;
    let p: Params = params::parse(raw.as_deref())?;
    if let Some((a, _)) = p.matches.iter().find(|(a, _)| depth(*a) > level) {
        return Err(DwError::BadRequest(format!(
            "{a:?} cannot be matched at this query level"
        )));
    }
    let max = u64::from(state.config.dicomweb.max_results.max(1));
    let limit = p.limit.unwrap_or(max).min(max);
    let base = format!(
        "{}/dicomweb",
        state.config.server.public_url.trim_end_matches('/')
    );
    let q = rows::Query {
        scope: &caller.scope,
        params: &p,
        within,
        limit,
        offset: p.offset,
    };
    let mut out = match level {
        0 => rows::studies(&state.db, &q, &base).await?,
        1 => rows::series(&state.db, &q, &base).await?,
        _ => rows::instances(&state.db, &q, &base).await?,
    };
    for d in &mut out {
        let defaults = rows::defaults(level);
        match &p.include {
            Include::All => {}
            Include::Defaults => d.retain(|t| defaults.contains(&t)),
            Include::Tags(extra) => d.retain(|t| defaults.contains(&t) || extra.contains(&t)),
        }
    }
    let body: Vec<serde_json::Value> = out.into_iter().map(|d| d.into_value()).collect();
    let mut res = axum::Json(body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/dicom+json"),
    );
    if p.limit.is_some_and(|l| l > max) {
        let w = format!(
            "299 passerelle \"The number of results exceeded the maximum supported by the server ({max})\""
        );
        if let Ok(v) = HeaderValue::from_str(&w) {
            res.headers_mut().insert(header::WARNING, v);
        }
    }
    Ok(res)
}

async fn studies(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    run(&s, &c, 0, Within::default(), q, &h).await
}

async fn all_series(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    run(&s, &c, 1, Within::default(), q, &h).await
}

async fn all_instances(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    run(&s, &c, 2, Within::default(), q, &h).await
}

async fn study_series(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(study): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    rows::visible(&s.db, &c.scope, &study, None).await?;
    run(
        &s,
        &c,
        1,
        Within {
            study: Some(study),
            series: None,
        },
        q,
        &h,
    )
    .await
}

async fn study_instances(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(study): Path<String>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    rows::visible(&s.db, &c.scope, &study, None).await?;
    run(
        &s,
        &c,
        2,
        Within {
            study: Some(study),
            series: None,
        },
        q,
        &h,
    )
    .await
}

async fn series_instances(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((study, series)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    rows::visible(&s.db, &c.scope, &study, Some(&series)).await?;
    run(
        &s,
        &c,
        2,
        Within {
            study: Some(study),
            series: Some(series),
        },
        q,
        &h,
    )
    .await
}
