//! What a STOW-RS request must be before its body is read (PS3.18 §10.5.1): a
//! `multipart/related; type="application/dicom"` body with a boundary (else 415 / 400), within
//! the size limit as announced (413), and into one clinic the caller may store to.

use crate::db::clinics;
use crate::dicomweb::DwError;
use crate::state::AppState;
use domain::{ClinicCode, ClinicId, Scope};
use http::{HeaderMap, header};

/// The boundary of a `multipart/related; type="application/dicom"` body (RFC 2387, RFC 2046
/// §5.1.1), or 415 / 400.
pub fn boundary(h: &HeaderMap) -> Result<String, DwError> {
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            DwError::UnsupportedMediaType(
                "none; send multipart/related; type=\"application/dicom\"".into(),
            )
        })?;
    let mut pieces = ct.split(';');
    let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
    if media != "multipart/related" {
        return Err(DwError::UnsupportedMediaType(format!(
            "{media}; send multipart/related; type=\"application/dicom\""
        )));
    }
    let (mut kind, mut boundary) = (None, None);
    for p in pieces {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_owned();
        match k.trim().to_ascii_lowercase().as_str() {
            "type" => kind = Some(v.to_ascii_lowercase()),
            "boundary" => boundary = Some(v),
            _ => {}
        }
    }
    match kind.as_deref() {
        None | Some("application/dicom") => {}
        Some(t @ ("application/dicom+json" | "application/dicom+xml")) => {
            return Err(DwError::UnsupportedMediaType(format!(
                "multipart/related; type=\"{t}\" (metadata and bulk data) is not supported; \
                 send type=\"application/dicom\" parts (DICOM Part-10 files)"
            )));
        }
        Some(t) => {
            return Err(DwError::UnsupportedMediaType(format!(
                "multipart/related; type=\"{t}\"; send type=\"application/dicom\""
            )));
        }
    }
    match boundary {
        Some(b) if !b.is_empty() && b.len() <= 70 => Ok(b),
        _ => Err(DwError::BadRequest(
            "multipart/related without a valid boundary parameter".into(),
        )),
    }
}

/// 413 at once when the announced length is over `max` bytes.
pub fn announced_length(h: &HeaderMap, max: u64, mib: u32) -> Result<(), DwError> {
    let len = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match len {
        Some(n) if n > max => Err(DwError::TooLarge(mib)),
        _ => Ok(()),
    }
}

/// The `clinic` query parameter, if any.
pub fn clinic_param(raw: Option<&str>) -> Result<Option<String>, DwError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| DwError::BadRequest("unreadable query string".into()))?;
    let mut found = pairs.into_iter().filter(|(k, _)| k == "clinic");
    let first = found.next().map(|(_, v)| v);
    if found.next().is_some() {
        return Err(DwError::BadRequest("give one clinic only".into()));
    }
    Ok(first)
}

/// The clinic the instances are stored in: `clinic=<code or id>` (in the caller's scope, else
/// 403), or else the caller's only active clinic (400 when it has several).
pub async fn clinic(
    state: &AppState,
    scope: &Scope,
    param: Option<&str>,
) -> Result<ClinicId, DwError> {
    let Some(p) = param.map(str::trim) else {
        let active: Vec<ClinicId> = clinics::list(&state.db, scope)
            .await?
            .into_iter()
            .filter(|c| c.active)
            .map(|c| c.id)
            .collect();
        return match active.as_slice() {
            [one] => Ok(*one),
            [] => Err(DwError::Forbidden),
            _ => Err(DwError::BadRequest(
                "these credentials cover several clinics: add ?clinic=<clinic code or id>".into(),
            )),
        };
    };
    let by_id = match p.parse::<i64>() {
        Ok(id) => match clinics::get(&state.db, &Scope::All, ClinicId(id)).await {
            Ok(c) => Some(c),
            Err(crate::db::RepoError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let found = match (by_id, ClinicCode::parse(p)) {
        (Some(c), _) => Some(c),
        (None, Ok(code)) => clinics::find_by_code(&state.db, &code).await?,
        (None, Err(_)) => None,
    };
    match found {
        Some(c) if scope.allows(c.id) && c.active => Ok(c.id),
        Some(_) => Err(DwError::Forbidden),
        None if matches!(scope, Scope::All) => Err(DwError::BadRequest(format!("no clinic {p:?}"))),
        None => Err(DwError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn ct(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(v).expect("header"),
        );
        h
    }

    #[test]
    fn media_types() {
        let ok = boundary(&ct(
            "multipart/related; type=\"application/dicom\"; boundary=\"0f3c-41ef\"",
        ));
        assert_eq!(ok.expect("boundary"), "0f3c-41ef");
        let json = boundary(&ct(
            "multipart/related; type=\"application/dicom+json\"; boundary=x",
        ));
        assert!(matches!(json, Err(DwError::UnsupportedMediaType(_))));
        let single = boundary(&ct("application/dicom"));
        assert!(matches!(single, Err(DwError::UnsupportedMediaType(_))));
        let none = boundary(&ct("multipart/related; type=\"application/dicom\""));
        assert!(matches!(none, Err(DwError::BadRequest(_))));
    }

    #[test]
    fn clinic_parameter() {
        assert_eq!(
            clinic_param(Some("clinic=CLB&x=1")).expect("ok"),
            Some("CLB".into())
        );
        assert_eq!(clinic_param(None).expect("ok"), None);
        assert!(clinic_param(Some("clinic=1&clinic=2")).is_err());
    }
}
