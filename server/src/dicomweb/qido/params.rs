//! QIDO-RS query parameters (PS3.18 §8.3.4): attribute matching by keyword or tag, `includefield`
//! (keyword, tag or `all`), `limit`, `offset`, `fuzzymatching`; values arrive percent-decoded.
//! A key Passerelle does not know or cannot match is a 400 with the reason.

use super::super::DwError;
use crate::db::index_query::{Attr, KEYS, attr_of};

/// Return keys that are known but never matched on (their values come from the index).
const RETURN_ONLY: &[(&str, u32)] = &[
    ("StudyTime", 0x0008_0030),
    ("StudyID", 0x0020_0010),
    ("NumberOfStudyRelatedSeries", 0x0020_1206),
    ("NumberOfStudyRelatedInstances", 0x0020_1208),
    ("NumberOfSeriesRelatedInstances", 0x0020_1209),
    ("SpecificCharacterSet", 0x0008_0005),
    ("RetrieveURL", 0x0008_1190),
    ("InstanceAvailability", 0x0008_0056),
    ("AvailableTransferSyntaxUID", 0x0008_3002),
];

/// A keyword or an 8-hex-digit tag → tag.
pub fn tag_of(name: &str) -> Option<u32> {
    let name = name.trim();
    if name.len() == 8 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(name, 16).ok();
    }
    KEYS.iter()
        .map(|(k, t, _)| (*k, *t))
        .chain(RETURN_ONLY.iter().copied())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, t)| t)
}

/// Which attributes to return beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Include {
    #[default]
    Defaults,
    All,
    Tags(Vec<u32>),
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    pub matches: Vec<(Attr, String)>,
    pub include: Include,
    pub limit: Option<u64>,
    pub offset: u64,
    pub fuzzy: bool,
}

fn bad(why: String) -> DwError {
    DwError::BadRequest(why)
}

/// Parses the query string (`application/x-www-form-urlencoded`, percent-decoded).
pub fn parse(raw: Option<&str>) -> Result<Params, DwError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad(format!("unreadable query string: {e}")))?;
    let mut p = Params::default();
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                p.limit = Some(
                    v.parse()
                        .map_err(|_| bad(format!("limit must be a number, not {v:?}")))?,
                )
            }
            "offset" => {
                p.offset = v
                    .parse()
                    .map_err(|_| bad(format!("offset must be a number, not {v:?}")))?
            }
            "fuzzymatching" => p.fuzzy = v.eq_ignore_ascii_case("true"),
            "includefield" => include(&mut p.include, &v)?,
            _ => {
                let tag = tag_of(&k).ok_or_else(|| bad(format!("unknown query key {k:?}")))?;
                let attr =
                    attr_of(tag).ok_or_else(|| bad(format!("matching on {k} is not supported")))?;
                if !v.is_empty() {
                    p.matches.push((attr, v));
                }
            }
        }
    }
    Ok(p)
}

fn include(inc: &mut Include, v: &str) -> Result<(), DwError> {
    for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if name.eq_ignore_ascii_case("all") {
            *inc = Include::All;
            continue;
        }
        // Unknown attributes are not in the index: nothing to return, not an error (§8.3.4.3).
        let Some(tag) = tag_of(name) else { continue };
        match inc {
            Include::All => {}
            Include::Defaults => *inc = Include::Tags(vec![tag]),
            Include::Tags(t) => t.push(tag),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ohif_study_list_query() {
        let p = parse(Some(
            "limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060",
        ))
        .expect("ok");
        assert_eq!(p.limit, Some(101));
        assert_eq!(p.include, Include::Tags(vec![0x0008_1030, 0x0008_0060]));
        let p = parse(Some(
            "PatientName=DOE%5EJ*&StudyDate=20240101-&includefield=all",
        ))
        .expect("ok");
        assert_eq!(
            p.matches,
            vec![
                (Attr::PatientName, "DOE^J*".into()),
                (Attr::StudyDate, "20240101-".into())
            ]
        );
        assert_eq!(p.include, Include::All);
        assert!(matches!(
            parse(Some("Nonsense=1")),
            Err(DwError::BadRequest(_))
        ));
        assert!(matches!(
            parse(Some("limit=x")),
            Err(DwError::BadRequest(_))
        ));
    }
}
