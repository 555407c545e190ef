//! WADO-RS pixel resources: frames (PS3.18 §10.4.1.1.5, §10.4.3.3.4) as stored (native frames
//! as `application/octet-stream`, compressed ones in their own media type), bulk data
//! (§10.4.1.1.6), and rendered images and thumbnails (§10.4.1.1.3, §10.4.1.1.4, §8.3.5.1).

use super::accept::{self, EXPLICIT_LE};
use super::decode;
use super::locate::{self, Located, Resource, Target};
use super::multipart::{self, Part, Source};
use super::pixels::{self, Geometry, PixelError, Pixels, Ranges};
use super::render::{self, Function, Options};
use super::{Caller, DwError, accept_of, blocking, meta, one, released};
use crate::state::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use http::{HeaderMap, HeaderValue, header};

type FramePath = Path<(String, String, String, String)>;

/// `1,3,5` → frame numbers (1-based); 400 when malformed.
fn frame_list(list: &str) -> Result<Vec<u32>, DwError> {
    let bad = || DwError::BadRequest(format!("invalid frame list {list:?}"));
    list.split(',')
        .map(|n| {
            n.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(bad)
        })
        .collect()
}

fn answer(parts: Vec<Part>, media: &str, ts: &str) -> Response {
    let b = multipart::boundary();
    let ct = multipart::content_type(&b, media, Some(ts));
    let mut res = multipart::body(b, parts).into_response();
    if let Ok(v) = HeaderValue::from_str(&ct) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

/// Parts of the given frames' byte ranges (byte-swapped to little endian for big endian files).
fn frame_parts(
    l: &Located,
    g: &Geometry,
    frames: Vec<Ranges>,
    ct: &str,
) -> Result<Vec<Part>, PixelError> {
    frames
        .into_iter()
        .map(|ranges| {
            let source = if pixels::big_endian(&l.transfer_syntax) && g.bits_allocated > 8 {
                let mut bytes = pixels::read(&l.path, &ranges)?;
                pixels::to_little_endian(&mut bytes, g.bits_allocated);
                Source::Bytes(Bytes::from(bytes))
            } else {
                Source::File {
                    path: l.path.clone(),
                    ranges,
                }
            };
            Ok(Part {
                content_type: ct.to_owned(),
                source,
            })
        })
        .collect()
}

/// The image geometry, pixel data location and frame ranges of an instance.
fn survey(l: &Located) -> Result<(Geometry, Pixels, Vec<Ranges>), PixelError> {
    let obj = pixels::header(&l.path)?;
    let g = Geometry::of(&obj).ok_or(PixelError::NoPixelData)?;
    let px = pixels::locate(&l.path, &l.transfer_syntax)?;
    let all = pixels::frames(&l.path, &g, &px)?;
    Ok((g, px, all))
}

pub async fn frames(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((study, series, instance, list)): FramePath,
    h: HeaderMap,
) -> Result<Response, DwError> {
    let numbers = frame_list(&list)?;
    let Some(l) = one(&s, &c, &(study, series, instance)).await? else {
        return Ok(released());
    };
    let native = !pixels::encapsulated(&l.transfer_syntax);
    let (media, ts) = accept::frames(accept_of(&h), &l.transfer_syntax, native)?;
    let ct = format!("{media}; transfer-syntax={ts}");
    let parts = blocking(move || {
        let (g, _, all) = survey(&l)?;
        frame_parts(&l, &g, pixels::pick(&all, &numbers)?, &ct)
    })
    .await?;
    Ok(answer(parts, media, &ts))
}

fn parse_tag(t: &str) -> Result<Tag, DwError> {
    let v = (t.len() == 8)
        .then(|| u32::from_str_radix(t, 16).ok())
        .flatten()
        .ok_or_else(|| DwError::BadRequest(format!("invalid attribute tag {t:?}")))?;
    Ok(Tag((v >> 16) as u16, (v & 0xFFFF) as u16))
}

/// Bulk data given as `BulkDataURI` in metadata: Pixel Data (the whole native value, or each
/// compressed frame) or another large binary value, as `multipart/related`.
pub async fn bulkdata(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((study, series, instance, tag)): FramePath,
    h: HeaderMap,
) -> Result<Response, DwError> {
    let tag = parse_tag(&tag)?;
    let Some(l) = one(&s, &c, &(study, series, instance)).await? else {
        return Ok(released());
    };
    if tag != tags::PIXEL_DATA {
        let (media, ts) = accept::frames(accept_of(&h), EXPLICIT_LE, true)?;
        let bytes = blocking(move || meta::bulk_value(&l.path, tag)).await?;
        let part = Part {
            content_type: media.to_owned(),
            source: Source::Bytes(Bytes::from(bytes)),
        };
        return Ok(answer(vec![part], media, &ts));
    }
    let native = !pixels::encapsulated(&l.transfer_syntax);
    let (media, ts) = accept::frames(accept_of(&h), &l.transfer_syntax, native)?;
    let ct = format!("{media}; transfer-syntax={ts}");
    let parts = blocking(move || {
        let (g, px, all) = survey(&l)?;
        let chunks = match px {
            Pixels::Native { offset, len } => vec![vec![(offset, len)]],
            Pixels::Encapsulated { .. } => all,
        };
        frame_parts(&l, &g, chunks, &ct)
    })
    .await?;
    Ok(answer(parts, media, &ts))
}

fn pair(v: &str, what: &str) -> Result<Vec<f64>, DwError> {
    v.split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| DwError::BadRequest(format!("invalid {what} {v:?}")))
}

/// Rendering query parameters (PS3.18 §8.3.5.1.3 viewport, §8.3.5.1.4 window, §8.3.5.1.2
/// quality); others (annotation, ICC profile) are ignored.
fn options(q: Option<&str>, h: &HeaderMap, thumbnail: bool) -> Result<Options, DwError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or(""))
        .map_err(|_| DwError::BadRequest("invalid query".into()))?;
    let mut o = Options {
        format: accept::rendered(accept_of(h))?,
        viewport: thumbnail.then_some(render::THUMBNAIL),
        shrink_only: thumbnail,
        window: None,
        quality: 90,
    };
    for (k, v) in params {
        match k.as_str() {
            "viewport" => {
                let n = pair(&v, "viewport")?;
                let side = |x: f64| (1.0..=f64::from(render::MAX_SIDE)).contains(&x);
                match n.as_slice() {
                    [w, h, ..] if side(*w) && side(*h) => o.viewport = Some((*w as u32, *h as u32)),
                    _ => return Err(DwError::BadRequest(format!("invalid viewport {v:?}"))),
                }
            }
            "window" => {
                let (nums, f) = match v.rsplit_once(',') {
                    Some((head, "sigmoid")) => (head, Function::Sigmoid),
                    Some((head, "linear" | "linear-exact")) => (head, Function::Linear),
                    _ => (v.as_str(), Function::Linear),
                };
                match pair(nums, "window")?.as_slice() {
                    [c, w] if *w > 0.0 => o.window = Some((*c, *w, f)),
                    _ => return Err(DwError::BadRequest(format!("invalid window {v:?}"))),
                }
            }
            "quality" => {
                o.quality = v
                    .parse::<u8>()
                    .ok()
                    .filter(|q| (1..=100).contains(q))
                    .ok_or_else(|| DwError::BadRequest(format!("invalid quality {v:?}")))?;
            }
            _ => {}
        }
    }
    Ok(o)
}

/// Renders frame `frame` of `l`.
async fn render_frame(l: Located, frame: u32, o: Options) -> Result<Response, DwError> {
    let media = o.format.media();
    let bytes = blocking(move || {
        let (g, _, all) = survey(&l)?;
        let ranges = pixels::pick(&all, &[frame])?.concat();
        let data = pixels::read(&l.path, &ranges)?;
        if pixels::encapsulated(&l.transfer_syntax) {
            let (g, samples) = decode::frame(&g, &l.transfer_syntax, data)?;
            return render::render(&g, &samples, false, &o);
        }
        render::render(&g, &data, pixels::big_endian(&l.transfer_syntax), &o)
    })
    .await?;
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    Ok(res)
}

/// The rendered image or thumbnail of one instance (its first frame, or the one frame asked).
async fn instance_image(
    s: &AppState,
    c: &Caller,
    r: &Resource,
    (q, h, thumbnail): (Option<String>, &HeaderMap, bool),
) -> Result<Response, DwError> {
    let frame = match r.frames.as_deref().map(frame_list).transpose()? {
        None => 1,
        Some(list) if list.len() == 1 || thumbnail => list[0],
        Some(_) => {
            return Err(DwError::NotAcceptable(
                "a JPEG or PNG image holds one frame: ask for one".into(),
            ));
        }
    };
    let o = options(q.as_deref(), h, thumbnail)?;
    let found = locate::find(s, &c.scope, r.target()).await?;
    match found.here.into_iter().next() {
        Some(l) => render_frame(l, frame, o).await,
        None => Ok(released()),
    }
}

/// `…/rendered` of an instance or of one of its frames (§10.4.1.1.3).
pub async fn rendered(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    r: Resource,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    instance_image(&s, &c, &r, (q, &h, false)).await
}

/// `…/thumbnail` of a study, series, instance or frame (§10.4.1.1.4): an instance's (or
/// frame's) own image, else the middle instance of the study or series.
pub async fn thumbnail(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    r: Resource,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, DwError> {
    if r.instance.is_some() {
        instance_image(&s, &c, &r, (q, &h, true)).await
    } else {
        middle_thumbnail(&s, &c, r.target(), q, &h).await
    }
}

/// Thumbnail of a study or series: the first frame of the middle instance held here (one is
/// fetched back when all were released).
async fn middle_thumbnail(
    s: &AppState,
    c: &Caller,
    t: Target<'_>,
    q: Option<String>,
    h: &HeaderMap,
) -> Result<Response, DwError> {
    let o = options(q.as_deref(), h, true)?;
    let mut found = locate::find_one(s, &c.scope, t).await?;
    if found.here.is_empty() {
        return Ok(released());
    }
    let mid = found.here.len() / 2;
    render_frame(found.here.swap_remove(mid), 1, o).await
}
