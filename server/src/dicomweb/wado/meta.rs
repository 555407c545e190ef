//! Instance metadata (PS3.18 §10.4.1.1.2, §10.4.3.3.2) as DICOM JSON (PS3.18 Annex F), read
//! from the spool file up to (excluding) the pixel data. Large binary values are not inlined:
//! they are given as `BulkDataURI` (§F.2.6) under the instance's `bulkdata/{tag}` resource, the
//! Pixel Data included. Blocking: call off the runtime.

use super::pixels::{self, PixelError};
use dicom_core::header::{HasLength, Header};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use serde_json::{Value, json};
use std::path::Path;

/// Binary values longer than this are given by reference.
pub const INLINE_MAX: u32 = 1024;

fn is_binary(vr: VR) -> bool {
    matches!(
        vr,
        VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN
    )
}

fn key(t: Tag) -> String {
    format!("{:04X}{:04X}", t.0, t.1)
}

/// An `IS` / `DS` string as a JSON number (PS3.18 §F.2.3); `null` when empty or not a number.
fn number(s: &str, integer: bool) -> Value {
    let t = s.trim_matches(['\0', ' ']);
    if integer && let Ok(n) = t.parse::<i64>() {
        return Value::from(n);
    }
    t.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// dicom-json keeps `IS` / `DS` values read from a file as strings: turn them into numbers, in
/// nested sequences too.
fn numbers(v: &mut Value) {
    let Some(map) = v.as_object_mut() else {
        return;
    };
    for e in map.values_mut() {
        let vr = e.get("vr").and_then(Value::as_str).unwrap_or("").to_owned();
        let Some(Value::Array(items)) = e.get_mut("Value") else {
            continue;
        };
        for it in items.iter_mut() {
            match (vr.as_str(), &*it) {
                ("IS" | "DS", Value::String(s)) => *it = number(s, vr == "IS"),
                ("SQ", _) => numbers(it),
                _ => {}
            }
        }
    }
}

/// The DICOM JSON object of the instance at `path` (transfer syntax `ts`) whose resource URL
/// is `url`.
pub fn metadata(path: &Path, url: &str, ts: &str, encapsulated: bool) -> Result<Value, PixelError> {
    let mut obj = pixels::header(path)?;
    let bulk: Vec<(Tag, VR)> = obj
        .iter()
        .filter(|e| is_binary(e.vr()) && e.length().get().is_none_or(|l| l > INLINE_MAX))
        .map(|e| (e.tag(), e.vr()))
        .collect();
    for (t, _) in &bulk {
        obj.remove_element(*t);
    }
    let image = pixels::Geometry::of(&obj);
    let mut v = dicom_json::to_value(&obj).map_err(|e| PixelError::Parse(e.to_string()))?;
    numbers(&mut v);
    let Some(map) = v.as_object_mut() else {
        return Err(PixelError::Parse("metadata is not a JSON object".into()));
    };
    let uri = |t: Tag| format!("{url}/bulkdata/{}", key(t));
    for (t, vr) in bulk {
        map.insert(
            key(t),
            json!({ "vr": vr.to_string(), "BulkDataURI": uri(t) }),
        );
    }
    if let Some(g) = image {
        let vr = if encapsulated || g.bits_allocated <= 8 {
            "OB"
        } else {
            "OW"
        };
        map.insert(
            key(tags::PIXEL_DATA),
            json!({ "vr": vr, "BulkDataURI": uri(tags::PIXEL_DATA) }),
        );
    }
    map.insert(
        key(tags::AVAILABLE_TRANSFER_SYNTAX_UID),
        json!({ "vr": "UI", "Value": [ts] }),
    );
    Ok(v)
}

/// The value of the top-level binary element `tag` (not Pixel Data), as stored.
pub fn bulk_value(path: &Path, tag: Tag) -> Result<Vec<u8>, PixelError> {
    let obj = pixels::header(path)?;
    let e = obj
        .element_opt(tag)
        .ok()
        .flatten()
        .filter(|e| is_binary(e.vr()))
        .ok_or(PixelError::NoBulkData)?;
    let bytes = e
        .value()
        .to_bytes()
        .map_err(|err| PixelError::Parse(err.to_string()))?;
    Ok(bytes.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_decimal_strings_become_numbers() {
        let mut v = json!({
            "00280008": { "vr": "IS", "Value": ["3"] },
            "00281050": { "vr": "DS", "Value": ["40.5 ", ""] },
            "00081115": { "vr": "SQ", "Value": [{ "00200013": { "vr": "IS", "Value": ["7"] } }] },
        });
        numbers(&mut v);
        assert_eq!(v["00280008"]["Value"], json!([3]));
        assert_eq!(v["00281050"]["Value"], json!([40.5, null]));
        assert_eq!(v["00081115"]["Value"][0]["00200013"]["Value"], json!([7]));
    }
}
