//! Forwarding by STOW-RS (PS3.18 §10.5): the claimed instances of one study in one
//! multipart/related POST to `{base}/studies/{study}`. A 202 answer lists the failed instances
//! (Failed SOP Sequence, 0008,1198); only those are retried.

use super::{Item, Sent};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_web::{DicomWebClient, DicomWebError};
use domain::forward::{Verdict, classify_dimse, classify_http};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::timeout;

/// How to reach a STOW-RS service.
#[derive(Clone, Debug)]
pub struct StowTarget {
    pub base_url: String,
    pub auth: StowAuth,
}

#[derive(Clone)]
pub enum StowAuth {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for StowAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs.
        f.write_str(match self {
            StowAuth::None => "None",
            StowAuth::Basic { .. } => "Basic(…)",
            StowAuth::Bearer(_) => "Bearer(…)",
        })
    }
}

fn client(t: &StowTarget) -> DicomWebClient {
    let mut c = DicomWebClient::with_single_url(t.base_url.trim_end_matches('/'));
    match &t.auth {
        StowAuth::None => {}
        StowAuth::Basic { user, password } => {
            c.set_basic_auth(user, password);
        }
        StowAuth::Bearer(token) => {
            c.set_bearer_token(token);
        }
    }
    c
}

/// Posts `items` (all of `study`) in one request; one outcome per item, in order.
pub async fn send(target: &StowTarget, study: &str, limit: Duration, items: &[Item]) -> Vec<Sent> {
    let mut bodies = Vec::with_capacity(items.len());
    let mut out: Vec<Option<Sent>> = vec![None; items.len()];
    for (n, item) in items.iter().enumerate() {
        match tokio::fs::read(&item.path).await {
            Ok(b) => bodies.push(b),
            Err(e) => out[n] = Some(Sent::permanent(None, format!("spool file unreadable: {e}"))),
        }
    }
    let request = client(target)
        .store_instances_in_study(study)
        .with_data(futures_util::stream::iter(bodies));
    let answer = timeout(limit, request.run()).await;
    let verdict = match answer {
        Err(_) => Err(Sent::transient(
            None,
            "no STOW-RS answer within the timeout",
        )),
        Ok(Err(e)) => Err(http_failure(e)),
        Ok(Ok(ds)) => Ok(failed_instances(&ds)),
    };
    items
        .iter()
        .zip(out.iter_mut())
        .map(|(item, slot)| {
            if let Some(s) = slot.take() {
                return s;
            }
            match &verdict {
                Err(s) => s.clone(),
                Ok(failed) => match failed.get(&item.sop_instance) {
                    None => Sent::Ok(None),
                    Some(reason) => stow_failure(*reason),
                },
            }
        })
        .collect()
}

fn http_failure(e: DicomWebError) -> Sent {
    match &e {
        DicomWebError::HttpStatusFailure { status_code } => {
            let code = status_code.as_u16();
            let reason = format!("STOW-RS answered HTTP {code}");
            match classify_http(code) {
                Verdict::Transient => Sent::transient(None, reason),
                _ => Sent::permanent(None, reason),
            }
        }
        other => Sent::transient(None, format!("STOW-RS request failed: {other}")),
    }
}

/// Failure Reason (0008,1197) by Referenced SOP Instance UID, from the Failed SOP Sequence.
fn failed_instances(ds: &InMemDicomObject) -> HashMap<String, u16> {
    let mut failed = HashMap::new();
    let Ok(seq) = ds.element(tags::FAILED_SOP_SEQUENCE) else {
        return failed;
    };
    for item in seq.items().into_iter().flatten() {
        let uid = item
            .element(tags::REFERENCED_SOP_INSTANCE_UID)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned());
        let reason = item
            .element(tags::FAILURE_REASON)
            .ok()
            .and_then(|e| e.to_int::<u16>().ok())
            .unwrap_or(0x0110);
        if let Some(uid) = uid {
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
