//! Accept negotiation for WADO-RS (PS3.18 §8.7: acceptable media types, §8.7.3 bulk data and
//! pixel data media types, §8.7.3.5 transfer syntax parameter, §10.4.3 default media types).
//! Passerelle never transcodes: an instance is offered only in the transfer syntax it was
//! received in, so a request for another one is answered 406.

use crate::dicomweb::DwError;

/// Explicit VR Little Endian: the transfer syntax of `application/octet-stream` when the
/// request names none (PS3.18 §8.7.3.5.2), and what native frames are sent as.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// One media range of an Accept header: lower-cased type and its parameters (unquoted).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub kind: String,
    pub params: Vec<(String, String)>,
}

impl Range {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a multipart answer fits this range.
    fn multipart(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "multipart/related" | "multipart/*" | "*/*"
        )
    }

    /// The media type this range asks for: the `type` of a `multipart/related` range, or the
    /// range itself for a bare media type; `None` for anything (`*/*`, `multipart/*`,
    /// `multipart/related` without `type`).
    fn wanted(&self) -> Option<String> {
        match self.kind.as_str() {
            "multipart/related" => self.param("type").map(str::to_ascii_lowercase),
            "*/*" | "multipart/*" => None,
            _ => Some(self.kind.clone()),
        }
    }

    fn transfer_syntax(&self) -> Option<&str> {
        self.param("transfer-syntax")
    }
}

/// Splits on `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let (mut out, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// The media ranges of an Accept header, without those of quality 0; `*/*` when absent.
pub fn parse(accept: Option<&str>) -> Vec<Range> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return vec![Range {
            kind: "*/*".into(),
            params: vec![],
        }];
    };
    split_unquoted(accept, ',')
        .into_iter()
        .filter_map(|item| {
            let mut pieces = split_unquoted(item, ';').into_iter();
            let kind = pieces.next()?.trim().to_ascii_lowercase();
            let params = pieces
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| {
                    let v = v.trim().trim_matches('"').trim();
                    (k.trim().to_ascii_lowercase(), v.to_owned())
                })
                .collect();
            Some(Range { kind, params }).filter(|r| !r.kind.is_empty())
        })
        .filter(|r| r.param("q").and_then(|q| q.parse::<f32>().ok()) != Some(0.0))
        .collect()
}

/// Whether `wanted` (possibly a wildcard such as `image/*`) covers `media`.
fn covers(wanted: &str, media: &str) -> bool {
    wanted == "*/*"
        || wanted == "*"
        || wanted == media
        || wanted
            .strip_suffix("/*")
            .is_some_and(|top| media.split('/').next() == Some(top))
}

fn ts_ok(asked: Option<&str>, stored: &str) -> bool {
    asked.is_none_or(|t| t == "*" || t == stored)
}

fn refuse(accept: Option<&str>, why: &str) -> DwError {
    DwError::NotAcceptable(format!("{} ({why})", accept.unwrap_or("")))
}

/// How instances are sent (PS3.18 §10.4.3.2): a multipart of Part-10 files, or a single file
/// when only bare `application/dicom` is accepted and one instance was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    Multipart,
    Single,
}

/// 406 unless every stored transfer syntax in `stored` is acceptable as `application/dicom`.
pub fn dicom(accept: Option<&str>, stored: &[&str], one: bool) -> Result<Packaging, DwError> {
    let ranges = parse(accept);
    let fits = |r: &Range, ts: &str, bare: bool| {
        let media_ok = if r.multipart() {
            r.wanted().is_none_or(|w| covers(&w, "application/dicom"))
        } else {
            bare && r.kind == "application/dicom"
        };
        media_ok && ts_ok(r.transfer_syntax(), ts)
    };
    if stored
        .iter()
        .all(|ts| ranges.iter().any(|r| fits(r, ts, false)))
    {
        return Ok(Packaging::Multipart);
    }
    if one
        && stored
            .iter()
            .all(|ts| ranges.iter().any(|r| fits(r, ts, true)))
    {
        return Ok(Packaging::Single);
    }
    Err(refuse(
        accept,
        &format!(
            "stored as {}; Passerelle does not transcode",
            stored.join(", ")
        ),
    ))
}

/// The media type of frames stored in `ts` (PS3.18 Table 8.7.3-2), and whether it is native.
pub fn frame_media(ts: &str) -> &'static str {
    match ts {
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.2" => {
            "application/octet-stream"
        }
        "1.2.840.10008.1.2.4.50"
        | "1.2.840.10008.1.2.4.51"
        | "1.2.840.10008.1.2.4.57"
        | "1.2.840.10008.1.2.4.70" => "image/jpeg",
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => "image/jls",
        "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => "image/jp2",
        "1.2.840.10008.1.2.4.92" | "1.2.840.10008.1.2.4.93" => "image/jpx",
        "1.2.840.10008.1.2.4.201" | "1.2.840.10008.1.2.4.202" | "1.2.840.10008.1.2.4.203" => {
            "image/jphc"
        }
        "1.2.840.10008.1.2.5" => "image/dicom-rle",
        "1.2.840.10008.1.2.4.100" | "1.2.840.10008.1.2.4.101" => "video/mpeg2",
        "1.2.840.10008.1.2.4.107" | "1.2.840.10008.1.2.4.108" => "video/H265",
        t if t.starts_with("1.2.840.10008.1.2.4.10") => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// Aliases clients still send (PS3.18 Table 8.7.3-2 notes).
fn alias(media: &str) -> Option<&'static str> {
    match media {
        "image/jls" => Some("image/x-jls"),
        "image/dicom-rle" => Some("image/x-dicom-rle"),
        _ => None,
    }
}

/// The media type and transfer syntax frames (or pixel bulk data) are sent in, given the
/// stored transfer syntax `stored` and whether the stored pixel data is native.
pub fn frames(
    accept: Option<&str>,
    stored: &str,
    native: bool,
) -> Result<(&'static str, String), DwError> {
    let media = frame_media(stored);
    let sent_ts = if native { EXPLICIT_LE } else { stored };
    let ok = |r: &Range| {
        if !r.multipart() {
            return false;
        }
        let Some(wanted) = r.wanted() else {
            return ts_ok(r.transfer_syntax(), sent_ts);
        };
        let as_media = covers(&wanted, media.to_ascii_lowercase().as_str())
            || alias(media).is_some_and(|a| wanted == a);
        if as_media {
            return ts_ok(r.transfer_syntax(), sent_ts);
        }
        // Compressed frames as octet-stream need the transfer syntax named (§8.7.3.5.2).
        wanted == "application/octet-stream"
            && match r.transfer_syntax() {
                None => native,
                Some(t) => t == "*" || t == sent_ts,
            }
    };
    let ranges = parse(accept);
    match ranges.iter().find(|r| ok(r)) {
        Some(r) if r.wanted().as_deref() == Some("application/octet-stream") => {
            Ok(("application/octet-stream", sent_ts.to_owned()))
        }
        Some(_) => Ok((media, sent_ts.to_owned())),
        None => Err(refuse(
            accept,
            &format!("frames are available as {media}; transfer-syntax={sent_ts}"),
        )),
    }
}

/// Rendered image formats (PS3.18 §8.7.4, Table 8.7.4-1), JPEG being the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendered {
    Jpeg,
    Png,
}

impl Rendered {
    pub fn media(self) -> &'static str {
        match self {
            Rendered::Jpeg => "image/jpeg",
            Rendered::Png => "image/png",
        }
    }
}

/// The first acceptable rendered format in the client's order.
pub fn rendered(accept: Option<&str>) -> Result<Rendered, DwError> {
    parse(accept)
        .iter()
        .find_map(|r| match r.kind.as_str() {
            "image/jpeg" | "image/*" | "*/*" => Some(Rendered::Jpeg),
            "image/png" => Some(Rendered::Png),
            _ => None,
        })
        .ok_or_else(|| refuse(accept, "rendered images are image/jpeg or image/png"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_in_their_stored_syntax_only() {
        let jpeg = "1.2.840.10008.1.2.4.50";
        let a = Some("multipart/related; type=\"application/dicom\"");
        assert_eq!(dicom(a, &[jpeg], false).ok(), Some(Packaging::Multipart));
        assert_eq!(dicom(None, &[jpeg], false).ok(), Some(Packaging::Multipart));
        let le = Some(
            "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1",
        );
        assert!(dicom(le, &[jpeg], false).is_err());
        let either = Some(
            "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1, multipart/related; type=application/dicom; transfer-syntax=*",
        );
        assert!(dicom(either, &[jpeg, EXPLICIT_LE], false).is_ok());
        assert_eq!(
            dicom(Some("application/dicom"), &[jpeg], true).ok(),
            Some(Packaging::Single)
        );
        assert!(dicom(Some("application/dicom"), &[jpeg], false).is_err());
        assert!(dicom(Some("application/json"), &[jpeg], true).is_err());
    }

    #[test]
    fn frame_media_types() {
        let ohif = Some("multipart/related; type=application/octet-stream; transfer-syntax=*");
        assert_eq!(
            frames(ohif, "1.2.840.10008.1.2.4.50", false).ok(),
            Some(("application/octet-stream", "1.2.840.10008.1.2.4.50".into()))
        );
        let star = Some("multipart/related; type=\"*/*\"");
        assert_eq!(
            frames(star, "1.2.840.10008.1.2.4.50", false).ok(),
            Some(("image/jpeg", "1.2.840.10008.1.2.4.50".into()))
        );
        let octet = Some("multipart/related; type=\"application/octet-stream\"");
        assert!(frames(octet, "1.2.840.10008.1.2.4.50", false).is_err());
        assert_eq!(
            frames(octet, "1.2.840.10008.1.2", true).ok(),
            Some(("application/octet-stream", EXPLICIT_LE.into()))
        );
        assert!(frames(Some("image/png"), EXPLICIT_LE, true).is_err());
        let jls = Some("multipart/related; type=\"image/x-jls\"");
        assert!(frames(jls, "1.2.840.10008.1.2.4.80", false).is_ok());
    }

    #[test]
    fn rendered_formats() {
        assert_eq!(rendered(None).ok(), Some(Rendered::Jpeg));
        assert_eq!(
            rendered(Some("image/gif, image/png;q=0.5")).ok(),
            Some(Rendered::Png)
        );
        assert!(rendered(Some("image/png;q=0, image/gif")).is_err());
    }
}
