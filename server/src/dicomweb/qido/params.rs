//! QIDO-RS query parameters (PS3.18 §8.3.4): attribute matching by keyword or tag, `includefield`
//! (keyword, tag or `all`), `limit`, `offset`, `fuzzymatching`; values arrive percent-decoded.
//! A key Passerelle does not know or cannot match is a 400 with the reason.

use super::super::DwError;

/// Where an attribute lives in the index, and how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    PatientName,
    PatientId,
    BirthDate,
    StudyDate,
    Accession,
    ModalitiesInStudy,
    StudyUid,
    ReferringPhysician,
    StudyDescription,
    Modality,
    SeriesUid,
    SeriesNumber,
    SeriesDescription,
    BodyPart,
    SopClass,
    SopInstance,
    InstanceNumber,
}

/// (keyword, tag, attribute) of every matchable key.
pub const KEYS: &[(&str, u32, Attr)] = &[
    ("PatientName", 0x0010_0010, Attr::PatientName),
    ("PatientID", 0x0010_0020, Attr::PatientId),
    ("PatientBirthDate", 0x0010_0030, Attr::BirthDate),
    ("StudyDate", 0x0008_0020, Attr::StudyDate),
    ("AccessionNumber", 0x0008_0050, Attr::Accession),
    ("ModalitiesInStudy", 0x0008_0061, Attr::ModalitiesInStudy),
    ("StudyInstanceUID", 0x0020_000D, Attr::StudyUid),
    (
        "ReferringPhysicianName",
        0x0008_0090,
        Attr::ReferringPhysician,
    ),
    ("StudyDescription", 0x0008_1030, Attr::StudyDescription),
    ("Modality", 0x0008_0060, Attr::Modality),
    ("SeriesInstanceUID", 0x0020_000E, Attr::SeriesUid),
    ("SeriesNumber", 0x0020_0011, Attr::SeriesNumber),
    ("SeriesDescription", 0x0008_103E, Attr::SeriesDescription),
    ("BodyPartExamined", 0x0018_0015, Attr::BodyPart),
    ("SOPClassUID", 0x0008_0016, Attr::SopClass),
    ("SOPInstanceUID", 0x0008_0018, Attr::SopInstance),
    ("InstanceNumber", 0x0020_0013, Attr::InstanceNumber),
];

/// Return keys that are known but never matched on (their values come from the index).
const RETURN_ONLY: &[(&str, u32)] = &[
    ("StudyTime", 0x0008_0030),
    ("PatientSex", 0x0010_0040),
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

fn attr_of(tag: u32) -> Option<Attr> {
    KEYS.iter().find(|(_, t, _)| *t == tag).map(|(_, _, a)| *a)
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

/// A DA matching value: `D`, `D1-D2`, `D1-`, `-D2` (PS3.4 §C.2.2.2.5) → inclusive bounds.
pub fn date_range(v: &str) -> Result<(Option<String>, Option<String>), DwError> {
    let v = v.trim();
    let ok = |d: &str| d.is_empty() || domain::query::is_date(d);
    let (from, to) = match v.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (v, v),
    };
    if !ok(from) || !ok(to) || (from.is_empty() && to.is_empty()) {
        return Err(bad(format!(
            "{v:?} is not a date or date range (YYYYMMDD[-YYYYMMDD])"
        )));
    }
    let some = |d: &str| (!d.is_empty()).then(|| d.to_owned());
    Ok((some(from), some(to)))
}

/// A UID list matching value (comma or backslash separated, PS3.18 §8.3.4.1).
pub fn uid_list(v: &str) -> Result<Vec<String>, DwError> {
    let uids: Vec<String> = v
        .split([',', '\\'])
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    match uids.iter().find(|u| !domain::query::is_uid(u)) {
        Some(b) => Err(bad(format!("{b:?} is not a UID"))),
        None => Ok(uids),
    }
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
        assert!(date_range("2024").is_err() && date_range("-").is_err());
        assert_eq!(
            date_range("-20240101").expect("ok"),
            (None, Some("20240101".into()))
        );
        assert!(uid_list("1.2,1.x").is_err());
    }
}
