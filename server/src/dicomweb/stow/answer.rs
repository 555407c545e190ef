//! The STOW-RS response (PS3.18 §10.5.3): the Store Instances Response Module of Annex I as
//! DICOM JSON (Annex F), and the HTTP status of Table 10.5.3-1 — 200 when every instance was
//! stored, 202 when some failed or were stored with warnings, 409 when none was stored.

use super::part::Outcome;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

const RETRIEVE_URL: &str = "00081190";
const FAILED_SOP_SEQUENCE: &str = "00081198";
const REFERENCED_SOP_SEQUENCE: &str = "00081199";
const REFERENCED_SOP_CLASS_UID: &str = "00081150";
const REFERENCED_SOP_INSTANCE_UID: &str = "00081155";
const WARNING_REASON: &str = "00081196";
const FAILURE_REASON: &str = "00081197";

fn one(vr: &str, v: Value) -> Value {
    json!({ "vr": vr, "Value": [v] })
}

/// The SOP Instance Reference Macro (PS3.3 Table 10-11), with what is known.
fn reference(o: &Outcome) -> Map<String, Value> {
    let mut item = Map::new();
    if let Some(c) = &o.sop_class {
        item.insert(REFERENCED_SOP_CLASS_UID.into(), one("UI", json!(c)));
    }
    if let Some(i) = &o.sop_instance {
        item.insert(REFERENCED_SOP_INSTANCE_UID.into(), one("UI", json!(i)));
    }
    item
}

fn instance_url(base: &str, o: &Outcome) -> Option<String> {
    Some(format!(
        "{base}/studies/{}/series/{}/instances/{}",
        o.study.as_ref()?,
        o.series.as_ref()?,
        o.sop_instance.as_ref()?
    ))
}

/// The study the response's Retrieve URL names: the target study, else the one study every
/// stored instance belongs to (Type 2: empty when they span several).
fn study_of(target: Option<&str>, stored: &[&Outcome]) -> Option<String> {
    if let Some(s) = target {
        return Some(s.to_owned());
    }
    let first = stored.first()?.study.clone()?;
    stored
        .iter()
        .all(|o| o.study.as_deref() == Some(first.as_str()))
        .then_some(first)
}

/// The response body (PS3.18 Table I.1-1); `base` is `{public_url}/dicomweb`.
pub fn body(base: &str, target: Option<&str>, outcomes: &[Outcome]) -> Value {
    let stored: Vec<&Outcome> = outcomes.iter().filter(|o| o.failure.is_none()).collect();
    let mut top = Map::new();
    top.insert(
        RETRIEVE_URL.into(),
        match study_of(target, &stored) {
            Some(s) => one("UR", json!(format!("{base}/studies/{s}"))),
            None => json!({ "vr": "UR" }),
        },
    );
    let referenced: Vec<Value> = stored
        .iter()
        .map(|o| {
            let mut item = reference(o);
            item.insert(
                RETRIEVE_URL.into(),
                match instance_url(base, o) {
                    Some(u) => one("UR", json!(u)),
                    None => json!({ "vr": "UR" }),
                },
            );
            if let Some(w) = o.warning {
                item.insert(WARNING_REASON.into(), one("US", json!(w)));
            }
            Value::Object(item)
        })
        .collect();
    let failed: Vec<Value> = outcomes
        .iter()
        .filter_map(|o| {
            let mut item = reference(o);
            item.insert(FAILURE_REASON.into(), one("US", json!(o.failure?)));
            Some(Value::Object(item))
        })
        .collect();
    if !failed.is_empty() {
        top.insert(
            FAILED_SOP_SEQUENCE.into(),
            json!({ "vr": "SQ", "Value": failed }),
        );
    }
    if !referenced.is_empty() {
        top.insert(
            REFERENCED_SOP_SEQUENCE.into(),
            json!({ "vr": "SQ", "Value": referenced }),
        );
    }
    Value::Object(top)
}

/// PS3.18 Table 10.5.3-1.
pub fn status(outcomes: &[Outcome]) -> StatusCode {
    let stored = outcomes.iter().filter(|o| o.failure.is_none()).count();
    let clean = outcomes
        .iter()
        .all(|o| o.failure.is_none() && o.warning.is_none());
    if stored == 0 {
        StatusCode::CONFLICT
    } else if clean {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    }
}

/// The whole answer, as `application/dicom+json`.
pub fn respond(base: &str, target: Option<&str>, outcomes: &[Outcome]) -> Response {
    let mut res = (status(outcomes), axum::Json(body(base, target, outcomes))).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/dicom+json"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(n: &str) -> Outcome {
        Outcome {
            sop_class: Some("1.2.840.10008.5.1.4.1.1.2".into()),
            sop_instance: Some(n.into()),
            study: Some("1.2".into()),
            series: Some("1.2.3".into()),
            ..Outcome::default()
        }
    }

    #[test]
    fn statuses_and_sequences() {
        let good = ok("1.2.3.4");
        let bad = Outcome::failed(0xC000);
        assert_eq!(status(std::slice::from_ref(&good)), StatusCode::OK);
        assert_eq!(status(&[good.clone(), bad.clone()]), StatusCode::ACCEPTED);
        assert_eq!(status(std::slice::from_ref(&bad)), StatusCode::CONFLICT);
        let v = body("http://h/dicomweb", None, &[good, bad]);
        assert_eq!(v[RETRIEVE_URL]["Value"][0], "http://h/dicomweb/studies/1.2");
        let r = &v[REFERENCED_SOP_SEQUENCE]["Value"][0];
        assert_eq!(
            r[RETRIEVE_URL]["Value"][0],
            "http://h/dicomweb/studies/1.2/series/1.2.3/instances/1.2.3.4"
        );
        let f = &v[FAILED_SOP_SEQUENCE]["Value"][0];
        assert_eq!(f[FAILURE_REASON]["Value"][0], 0xC000);
        assert!(f.get(REFERENCED_SOP_INSTANCE_UID).is_none(), "unknown UID");
    }
}
