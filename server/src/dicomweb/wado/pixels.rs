//! Where an instance's pixel data lies in its spool file, and the byte ranges of each frame
//! (PS3.5 §8.2 native pixel data; §A.4 encapsulation: Basic Offset Table, fragments; PS3.3
//! C.7.6.3.1.8 Extended Offset Table), for WADO-RS frames (PS3.18 §10.4.1.1.5) and rendering.
//! The file is walked without reading values into memory (values are skipped), so a frame of a
//! large multi-frame instance costs the frame, not the instance. Blocking: call off the runtime.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_parser::dataset::LazyDataToken;
use dicom_parser::dataset::lazy_read::LazyDataSetReader;
use dicom_parser::stateful::decode::StatefulDecode;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PixelError {
    #[error("spool file: {0}")]
    Io(#[from] std::io::Error),
    #[error("unreadable instance: {0}")]
    Parse(String),
    #[error("the instance has no pixel data")]
    NoPixelData,
    #[error("{0}")]
    Unsupported(String),
    #[error("frame {0} does not exist")]
    NoSuchFrame(u32),
    #[error("image encoding: {0}")]
    Encode(String),
    #[error("no such bulk data")]
    NoBulkData,
}

/// Whether pixel data in `ts` is encapsulated (compressed frames, PS3.5 §A.4).
pub fn encapsulated(ts: &str) -> bool {
    TransferSyntaxRegistry
        .get(ts)
        .is_some_and(|t| t.is_encapsulated_pixel_data())
}

/// The retired Explicit VR Big Endian transfer syntax (PS3.5 §A.3).
pub fn big_endian(ts: &str) -> bool {
    ts == "1.2.840.10008.1.2.2"
}

fn parse_err(e: impl std::fmt::Display) -> PixelError {
    PixelError::Parse(e.to_string())
}

/// The data set up to (excluding) the pixel data: every attribute but the bulk of an image.
pub fn header(path: &Path) -> Result<InMemDicomObject, PixelError> {
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(parse_err)?;
    Ok(obj.into_inner())
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<u32> {
    obj.element_opt(tag).ok().flatten()?.to_int::<u32>().ok()
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    obj.element_opt(tag).ok().flatten()?.to_float64().ok()
}

/// The image pixel module (PS3.3 C.7.6.3) and what rendering needs of the modality and VOI
/// LUT modules (C.11.1, C.11.2).
#[derive(Debug, Clone)]
pub struct Geometry {
    pub rows: u32,
    pub columns: u32,
    pub samples: u32,
    pub bits_allocated: u32,
    pub bits_stored: u32,
    pub signed: bool,
    pub planar: bool,
    pub frames: u32,
    pub photometric: String,
    pub slope: f64,
    pub intercept: f64,
    /// The first Window Center / Width pair of the data set.
    pub window: Option<(f64, f64)>,
    /// Extended Offset Table: frame offsets relative to the first fragment's item.
    pub extended_offsets: Option<Vec<u64>>,
}

impl Geometry {
    /// `None` when the data set has no Rows / Columns (not an image).
    pub fn of(obj: &InMemDicomObject) -> Option<Self> {
        let bits_allocated = int(obj, tags::BITS_ALLOCATED).unwrap_or(8);
        let photometric = obj
            .element_opt(tags::PHOTOMETRIC_INTERPRETATION)
            .ok()
            .flatten()
            .and_then(|e| {
                e.to_str()
                    .ok()
                    .map(|s| s.trim_matches(['\0', ' ']).to_owned())
            })
            .unwrap_or_else(|| "MONOCHROME2".into());
        let window = float(obj, tags::WINDOW_CENTER).zip(float(obj, tags::WINDOW_WIDTH));
        let g = Self {
            rows: int(obj, tags::ROWS)?,
            columns: int(obj, tags::COLUMNS)?,
            samples: int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1).max(1),
            bits_allocated,
            bits_stored: int(obj, tags::BITS_STORED).unwrap_or(bits_allocated),
            signed: int(obj, tags::PIXEL_REPRESENTATION) == Some(1),
            planar: int(obj, tags::PLANAR_CONFIGURATION) == Some(1),
            frames: int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1),
            photometric,
            slope: float(obj, tags::RESCALE_SLOPE).unwrap_or(1.0),
            intercept: float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
            window,
            extended_offsets: obj
                .element_opt(tags::EXTENDED_OFFSET_TABLE)
                .ok()
                .flatten()
                .and_then(|e| e.to_multi_int::<u64>().ok()),
        };
        // Values the image modules allow (PS3.3 C.7.6.3.1): anything else is not an image
        // this code can walk (and would overflow the arithmetic on it).
        let sane = g.rows <= 0xFFFF
            && g.columns <= 0xFFFF
            && g.samples <= 4
            && matches!(g.bits_allocated, 1 | 8 | 16 | 32)
            && (1..=g.bits_allocated).contains(&g.bits_stored);
        sane.then_some(g)
    }

    /// Bytes of one native frame; `None` when frames are not byte-aligned (1-bit images whose
    /// frame size is not a multiple of 8). Native YBR_FULL_422 has two samples per pixel
    /// (PS3.3 C.7.6.3.1.2).
    pub fn frame_len(&self) -> Option<u64> {
        let samples = match (self.samples, self.photometric.as_str()) {
            (3, "YBR_FULL_422") => 2,
            (s, _) => s,
        };
        let bits = u64::from(self.rows)
            * u64::from(self.columns)
            * u64::from(samples)
            * u64::from(self.bits_allocated);
        (bits % 8 == 0 && bits > 0).then_some(bits / 8)
    }
}

/// The file byte ranges `(offset, length)` of one frame, in order.
pub type Ranges = Vec<(u64, u64)>;

/// One fragment of encapsulated pixel data: where its item starts, where its value starts,
/// and its length.
#[derive(Debug, Clone, Copy)]
pub struct Fragment {
    item: u64,
    offset: u64,
    len: u64,
}

/// Where the pixel data is.
#[derive(Debug, Clone)]
pub enum Pixels {
    Native {
        offset: u64,
        len: u64,
    },
    Encapsulated {
        bot: Vec<u32>,
        fragments: Vec<Fragment>,
    },
}

/// Reads the items of an encapsulated pixel data element starting at `pos` (always explicit VR
/// little endian, PS3.5 §A.4): the Basic Offset Table, then each fragment (skipped).
fn fragments(path: &Path, pos: u64) -> Result<Pixels, PixelError> {
    let mut f = BufReader::new(File::open(path)?);
    f.seek(SeekFrom::Start(pos))?;
    let (mut at, mut bot, mut frags) = (pos, None, Vec::new());
    loop {
        let mut h = [0u8; 8];
        f.read_exact(&mut h)?;
        let tag = (
            u16::from_le_bytes([h[0], h[1]]),
            u16::from_le_bytes([h[2], h[3]]),
        );
        let len = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
        match tag {
            (0xFFFE, 0xE0DD) => break,
            (0xFFFE, 0xE000) if bot.is_none() => {
                let mut raw = vec![0u8; usize::try_from(len).map_err(parse_err)?];
                f.read_exact(&mut raw)?;
                let offsets = raw.chunks_exact(4);
                bot = Some(
                    offsets
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                );
            }
            (0xFFFE, 0xE000) => {
                frags.push(Fragment {
                    item: at,
                    offset: at + 8,
                    len,
                });
                f.seek_relative(i64::try_from(len).map_err(parse_err)?)?;
            }
            other => {
                return Err(PixelError::Parse(format!(
                    "unexpected {other:04X?} in pixel data"
                )));
            }
        }
        at += 8 + len;
    }
    Ok(Pixels::Encapsulated {
        bot: bot.unwrap_or_default(),
        fragments: frags,
    })
}

/// Finds the top-level Pixel Data element of the spool file at `path`, stored in `ts_uid`.
pub fn locate(path: &Path, ts_uid: &str) -> Result<Pixels, PixelError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| PixelError::Unsupported(format!("unknown transfer syntax {ts_uid}")))?;
    if !ts.is_codec_free() && !ts.is_encapsulated_pixel_data() {
        return Err(PixelError::Unsupported(format!(
            "pixel data of {} instances cannot be served (the data set is compressed as a whole)",
            ts.name()
        )));
    }
    let mut head = vec![0u8; 64 * 1024];
    let mut f = File::open(path)?;
    let n = f.read(&mut head)?;
    head.truncate(n);
    let start = crate::storage::dataset_offset(&head)
        .ok_or_else(|| PixelError::Parse("not a Part-10 file".into()))?;
    f.seek(SeekFrom::Start(start as u64))?;
    let mut reader = LazyDataSetReader::new_with_ts(BufReader::new(f), ts).map_err(parse_err)?;
    let mut depth = 0usize;
    while let Some(token) = reader.advance() {
        match token.map_err(parse_err)? {
            LazyDataToken::SequenceStart { .. } => depth += 1,
            LazyDataToken::SequenceEnd => depth = depth.saturating_sub(1),
            LazyDataToken::PixelSequenceStart if depth == 0 => {
                let pos = reader.into_decoder().position();
                return fragments(path, pos);
            }
            LazyDataToken::PixelSequenceStart => depth += 1,
            LazyDataToken::LazyValue { header, decoder } => {
                if depth == 0 && header.tag == tags::PIXEL_DATA {
                    let offset = decoder.position();
                    return Ok(Pixels::Native {
                        offset,
                        len: u64::from(header.len.0),
                    });
                }
                if depth == 0 && header.tag > tags::PIXEL_DATA {
                    break;
                }
                decoder.skip_bytes(header.len.0).map_err(parse_err)?;
            }
            t @ LazyDataToken::LazyItemValue { .. } => t.skip().map_err(parse_err)?,
            _ => {}
        }
    }
    Err(PixelError::NoPixelData)
}

/// Fragments grouped by frame offsets relative to the first fragment's item.
fn by_offsets(frags: &[Fragment], offsets: &[u64]) -> Option<Vec<Ranges>> {
    let first = frags.first()?.item;
    let frames: Vec<Ranges> = offsets
        .iter()
        .enumerate()
        .map(|(k, start)| {
            let end = offsets.get(k + 1).copied().unwrap_or(u64::MAX);
            frags
                .iter()
                .filter(|f| (*start..end).contains(&(f.item - first)))
                .map(|f| (f.offset, f.len))
                .collect()
        })
        .collect();
    frames.iter().all(|f| !f.is_empty()).then_some(frames)
}

/// Frame starts told by the codestream markers at the start of fragments: JPEG / JPEG-LS SOI
/// (FFD8), JPEG 2000 SOC (FF4F).
fn by_markers(path: &Path, frags: &[Fragment], frames: u32) -> Option<Vec<Ranges>> {
    let mut f = File::open(path).ok()?;
    let mut starts = Vec::new();
    for (i, frag) in frags.iter().enumerate() {
        let mut m = [0u8; 2];
        f.seek(SeekFrom::Start(frag.offset)).ok()?;
        f.read_exact(&mut m).ok()?;
        if matches!(m, [0xFF, 0xD8] | [0xFF, 0x4F]) {
            starts.push(frag.item - frags.first()?.item);
        } else if i == 0 {
            return None;
        }
    }
    (starts.len() == frames as usize)
        .then(|| by_offsets(frags, &starts))
        .flatten()
}

/// The file byte ranges of every frame (1-based `n` is index `n - 1`).
pub fn frames(path: &Path, g: &Geometry, px: &Pixels) -> Result<Vec<Ranges>, PixelError> {
    match px {
        Pixels::Native { offset, len } => {
            let flen = g.frame_len().ok_or_else(|| {
                PixelError::Unsupported("frames of this image are not byte-aligned".into())
            })?;
            let n = u64::from(g.frames).min(len / flen);
            Ok((0..n).map(|k| vec![(offset + k * flen, flen)]).collect())
        }
        Pixels::Encapsulated { bot, fragments } => {
            let want = g.frames as usize;
            let bot: Vec<u64> = bot.iter().map(|o| u64::from(*o)).collect();
            let found = match &g.extended_offsets {
                Some(eot) if eot.len() == want => by_offsets(fragments, eot),
                _ if bot.len() == want && want > 0 => by_offsets(fragments, &bot),
                _ if fragments.len() == want => {
                    Some(fragments.iter().map(|f| vec![(f.offset, f.len)]).collect())
                }
                _ if want == 1 => Some(vec![fragments.iter().map(|f| (f.offset, f.len)).collect()]),
                _ => by_markers(path, fragments, g.frames),
            };
            found.ok_or_else(|| {
                PixelError::Unsupported("the frames of this instance cannot be told apart".into())
            })
        }
    }
}

/// Picks frames `numbers` (1-based) of `all`.
pub fn pick(all: &[Ranges], numbers: &[u32]) -> Result<Vec<Ranges>, PixelError> {
    numbers
        .iter()
        .map(|n| {
            let i = usize::try_from(n.saturating_sub(1)).map_err(parse_err)?;
            match all.get(i) {
                Some(f) if *n > 0 => Ok(f.clone()),
                _ => Err(PixelError::NoSuchFrame(*n)),
            }
        })
        .collect()
}

/// Reads the bytes of `ranges` of the file at `path`.
pub fn read(path: &Path, ranges: &[(u64, u64)]) -> Result<Vec<u8>, PixelError> {
    let mut f = File::open(path)?;
    let mut out = Vec::new();
    for (offset, len) in ranges {
        f.seek(SeekFrom::Start(*offset))?;
        let before = out.len();
        (&mut f).take(*len).read_to_end(&mut out)?;
        if (out.len() - before) as u64 != *len {
            return Err(PixelError::Parse("pixel data shorter than declared".into()));
        }
    }
    Ok(out)
}

/// Native pixel data of the retired Explicit VR Big Endian syntax, in little endian (what
/// `application/octet-stream` frames are, PS3.18 §8.7.3.5.2).
pub fn to_little_endian(bytes: &mut [u8], bits_allocated: u32) {
    let width = match bits_allocated {
        16 => 2,
        32 => 4,
        64 => 8,
        _ => return,
    };
    for word in bytes.chunks_exact_mut(width) {
        word.reverse();
    }
}
