//! DICOM JSON (PS3.18 Annex F) for search results built from the index: one object per match,
//! keyed by 8-hex-digit tags, `vr` always present, `Value` only when there is one.

use serde_json::{Map, Value, json};

/// A DICOM JSON data set under construction.
#[derive(Default)]
pub struct Dataset(Map<String, Value>);

impl Dataset {
    fn key(tag: u32) -> String {
        format!("{tag:08X}")
    }

    /// A string-valued attribute (`CS`, `DA`, `LO`, `UI`, …); empty text gives no `Value`.
    pub fn text(&mut self, tag: u32, vr: &str, v: &str) -> &mut Self {
        let v = v.trim_matches(['\0', ' ']);
        let body = if v.is_empty() {
            json!({ "vr": vr })
        } else {
            json!({ "vr": vr, "Value": [v] })
        };
        self.0.insert(Self::key(tag), body);
        self
    }

    /// A multi-valued string attribute (values separated by `\`).
    pub fn multi(&mut self, tag: u32, vr: &str, v: &str) -> &mut Self {
        let values: Vec<&str> = v
            .split('\\')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let body = if values.is_empty() {
            json!({ "vr": vr })
        } else {
            json!({ "vr": vr, "Value": values })
        };
        self.0.insert(Self::key(tag), body);
        self
    }

    /// A person name (PS3.18 §F.2.2: `{"Alphabetic": …}`).
    pub fn person(&mut self, tag: u32, v: &str) -> &mut Self {
        let v = v.trim_matches(['\0', ' ']);
        let body = if v.is_empty() {
            json!({ "vr": "PN" })
        } else {
            json!({ "vr": "PN", "Value": [{ "Alphabetic": v }] })
        };
        self.0.insert(Self::key(tag), body);
        self
    }

    /// An integer string (`IS`): a JSON number (§F.2.3).
    pub fn int(&mut self, tag: u32, v: Option<i64>) -> &mut Self {
        let body = match v {
            Some(n) => json!({ "vr": "IS", "Value": [n] }),
            None => json!({ "vr": "IS" }),
        };
        self.0.insert(Self::key(tag), body);
        self
    }

    /// Keeps only `keep(tag)` attributes.
    pub fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        self.0
            .retain(|k, _| u32::from_str_radix(k, 16).is_ok_and(&keep));
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}
