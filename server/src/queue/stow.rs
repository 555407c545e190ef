//! Forwarding by STOW-RS (PS3.18 §10.5): the claimed instances of one study in one
//! multipart/related POST to `{base}/studies/{study}`. An instance counts as stored only when
//! the answer lists it in the Referenced SOP Sequence (0008,1199); those in the Failed SOP
//! Sequence (0008,1198), and those the answer does not mention, are retried alone.

use super::{Item, Sent};
use dicom_dictionary_std::tags;
use dicom_json::DicomJson;
use dicom_object::InMemDicomObject;
use domain::forward::{Verdict, classify_dimse, classify_http};
use multipart_rs::MultipartWriter;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub use crate::targets::{StowAuth, StowTarget};

impl StowAuth {
    /// Adds the destination's credentials to a request (STOW-RS, and WADO-RS fetch-back).
    pub fn apply(&self, rq: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            StowAuth::None => rq,
            StowAuth::Basic { user, password } => rq.basic_auth(user, Some(password)),
            StowAuth::Bearer(token) => rq.bearer_auth(token),
        }
    }
}

/// One HTTP client for every request to a destination (connection reuse); timeouts are per
/// request.
pub(crate) fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new)
}

/// Sends the request `build` makes with [`client`]; if it fails before any answer (not a
/// timeout, not a refused connection), sends it once more at once, on a new connection. That is
/// typically a kept-alive connection the server closed just as it was reused (Orthanc closes
/// idle ones after one second). Only for requests that may be repeated.
pub(crate) async fn send_repeatable(
    build: impl Fn() -> reqwest::RequestBuilder,
) -> reqwest::Result<reqwest::Response> {
    let res = build().send().await;
    if let Err(e) = &res
        && e.is_request()
        && !e.is_timeout()
        && !e.is_connect()
    {
        tracing::debug!(error = %e, "HTTP request failed before an answer; sent again");
        return build().send().await;
    }
    res
}

/// The multipart/related body (PS3.18 §10.5.1.2): one application/dicom part per file, in a
/// buffer reserved once from the indexed file sizes (growing it part by part copied what was
/// already there at each doubling, and touched fresh memory each time). Files are read one at
/// a time, so only one is held beside the body.
async fn body(items: &[Item], out: &mut [Option<Sent>]) -> (String, Vec<u8>) {
    // Boundary lines and part headers: well under this per part.
    const PART_OVERHEAD: usize = 128;
    let mut w = MultipartWriter::new();
    let total: usize = items.iter().map(|i| i.size + PART_OVERHEAD).sum();
    w.data.reserve(total + PART_OVERHEAD);
    for (n, item) in items.iter().enumerate() {
        match super::read_verified(item).await {
            Ok((b, _)) => {
                if let Err(e) = w.add(&b[..], "Content-Type: application/dicom") {
                    out[n] = Some(Sent::permanent(None, format!("cannot encode: {e}")));
                }
            }
            Err(reason) => out[n] = Some(Sent::permanent(None, reason)),
        }
    }
    let _ = w.finish();
    (w.boundary, w.data)
}

/// Posts `items` (all of `study`) in one request; one outcome per item, in order.
pub async fn send(target: &StowTarget, study: &str, limit: Duration, items: &[Item]) -> Vec<Sent> {
    let mut out: Vec<Option<Sent>> = vec![None; items.len()];
    let (boundary, data) = body(items, &mut out).await;
    let url = format!("{}/studies/{study}", target.base_url.trim_end_matches('/'));
    let data = axum::body::Bytes::from(data);
    // Storing the same instances again stores nothing twice (identical duplicates).
    let res = send_repeatable(|| {
        let rq = client()
            .post(&url)
            .timeout(limit)
            .header(
                "Content-Type",
                format!("multipart/related; type=\"application/dicom\"; boundary={boundary}"),
            )
            .header("Accept", "application/dicom+json")
            .body(data.clone());
        target.auth.apply(rq)
    })
    .await;
    let verdict = answer(res).await;
    items
        .iter()
        .zip(out.iter_mut())
        .map(|(item, slot)| match (slot.take(), &verdict) {
            (Some(s), _) => s,
            (None, Err(s)) => s.clone(),
            (None, Ok((stored, failed))) => match failed.get(&item.sop_instance) {
                Some(reason) => stow_failure(*reason),
                None if stored.contains(&item.sop_instance) => Sent::Ok(None),
                None => Sent::transient(None, "not confirmed by the STOW-RS answer"),
            },
        })
        .collect()
}

type Listed = (HashSet<String>, HashMap<String, u16>);

/// Reads the answer (PS3.18 §10.5.3): 200, 202 and 409 carry a Store Instances Response
/// Module listing what was stored and what failed (Orthanc answers 409 when some failed and
/// some were stored, so the lists decide, not the code); other codes classify the whole batch.
async fn answer(res: Result<reqwest::Response, reqwest::Error>) -> Result<Listed, Sent> {
    let res = res.map_err(|e| {
        let what = if e.is_timeout() {
            "no STOW-RS answer within the timeout".to_owned()
        } else {
            format!("STOW-RS request failed: {e}")
        };
        Sent::transient(None, what)
    })?;
    let code = res.status().as_u16();
    let reason = format!("STOW-RS answered HTTP {code}");
    let whole = |code| match classify_http(code) {
        Verdict::Transient => Sent::transient(None, reason.clone()),
        _ => Sent::permanent(None, reason.clone()),
    };
    if !matches!(code, 200 | 202 | 409) {
        return Err(whole(code));
    }
    let text = res
        .bytes()
        .await
        .map_err(|e| Sent::transient(None, format!("STOW-RS answer cut: {e}")))?;
    match serde_json::from_slice::<DicomJson<InMemDicomObject>>(&text) {
        Ok(ds) => {
            let ds = ds.into_inner();
            Ok((stored_instances(&ds), failed_instances(&ds)))
        }
        // No readable response module: success codes confirm nothing, 409 fails them all.
        Err(_) if code == 409 => Err(whole(code)),
        Err(_) => Ok((HashSet::new(), HashMap::new())),
    }
}

fn uid_of(item: &InMemDicomObject) -> Option<String> {
    item.element(tags::REFERENCED_SOP_INSTANCE_UID)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
}

/// The Referenced SOP Instance UIDs of the Referenced SOP Sequence: what the peer stored.
fn stored_instances(ds: &InMemDicomObject) -> HashSet<String> {
    ds.element(tags::REFERENCED_SOP_SEQUENCE)
        .ok()
        .and_then(|e| e.items())
        .map(|items| items.iter().filter_map(uid_of).collect())
        .unwrap_or_default()
}

/// Failure Reason (0008,1197) by Referenced SOP Instance UID, from the Failed SOP Sequence.
fn failed_instances(ds: &InMemDicomObject) -> HashMap<String, u16> {
    let mut failed = HashMap::new();
    let Ok(seq) = ds.element(tags::FAILED_SOP_SEQUENCE) else {
        return failed;
    };
    for item in seq.items().into_iter().flatten() {
        let reason = item
            .element(tags::FAILURE_REASON)
            .ok()
            .and_then(|e| e.to_int::<u16>().ok())
            .unwrap_or(0x0110);
        if let Some(uid) = uid_of(item) {
            failed.insert(uid, reason);
        }
    }
    failed
}

/// Failure Reason values are DIMSE statuses (PS3.18 §10.5.3.1.4, PS3.4 Annex B).
fn stow_failure(reason: u16) -> Sent {
    let text = format!("STOW-RS failure reason {reason:#06x}");
    match classify_dimse(reason) {
        Verdict::Permanent => Sent::permanent(Some(reason), text),
        Verdict::Success => Sent::Ok(Some(reason)),
        Verdict::Transient => Sent::transient(Some(reason), text),
    }
}

#[cfg(test)]
#[path = "stow_tests.rs"]
mod tests;
