//! Rendered images of instances stored compressed (PS3.18 §10.4.1.1.3): JPEG baseline gray and
//! colour (YBR_FULL_422) and 16-bit multi-frame RLE are decoded and rendered like the same
//! pixels stored uncompressed (each compared with its native twin, as PNG); a thumbnail of a
//! compressed instance; JPEG-LS (no decoder here), damaged RLE data and a JPEG declaring another
//! size than the data set's (a decompression bomb) answer 406 with the reason.
//! Files of other encoders: `dicomweb_render_files.rs`.

mod common;

use common::Kind;
use common::web::{Web, ingest, png_samples, web};
use dicom_core::value::{PixelFragmentSequence, Value as DicomValue};
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use server::synth::{self, StudyIds, new_uid};

const LE: &str = "1.2.840.10008.1.2.1";
const JPEG: &str = "1.2.840.10008.1.2.4.50";
const RLE: &str = "1.2.840.10008.1.2.5";
const JPEG_LS: &str = "1.2.840.10008.1.2.4.80";
const SIDE: u16 = 16;

fn put_us(obj: &mut InMemDicomObject, tag: dicom_core::Tag, v: u16) {
    obj.put(DataElement::new(tag, VR::US, dicom_value!(U16, [v])));
}

fn put_text(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, v: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
}

/// A `SIDE` × `SIDE` image of `samples` samples of `bits` bits, `frames` frames, with `pixels`
/// as native pixel data.
fn image(
    ids: &StudyIds,
    series: &str,
    n: usize,
    (samples, bits, frames): (u16, u16, u16),
) -> InMemDicomObject {
    let mut obj = synth::instance(ids, series, n, 2);
    for (tag, v) in [
        (tags::ROWS, SIDE),
        (tags::COLUMNS, SIDE),
        (tags::SAMPLES_PER_PIXEL, samples),
        (tags::BITS_ALLOCATED, bits),
        (tags::BITS_STORED, bits),
        (tags::HIGH_BIT, bits - 1),
        (tags::PIXEL_REPRESENTATION, 0),
    ] {
        put_us(&mut obj, tag, v);
    }
    put_text(
        &mut obj,
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        &frames.to_string(),
    );
    if samples == 3 {
        put_us(&mut obj, tags::PLANAR_CONFIGURATION, 0);
        put_text(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB");
    } else {
        put_text(
            &mut obj,
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2",
        );
    }
    obj
}

fn with_native(mut obj: InMemDicomObject, pixels: Vec<u8>) -> InMemDicomObject {
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::from(pixels),
    ));
    obj
}

fn with_fragments(mut obj: InMemDicomObject, frames: Vec<Vec<u8>>) -> InMemDicomObject {
    let seq: DicomValue<InMemDicomObject> = PixelFragmentSequence::new(vec![], frames).into();
    obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, seq));
    obj
}

fn jpeg(pixels: &[u8], color: ColorType) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, 100);
    e.set_sampling_factor(SamplingFactor::F_2_1);
    e.encode(pixels, SIDE, SIDE, color).expect("jpeg");
    out
}

/// RLE lossless of one frame (PS3.5 Annex G): one segment per byte of each sample, most
/// significant byte first, each as literal runs of at most 128 bytes.
fn rle(frame: &[u8], bytes_per_sample: usize) -> Vec<u8> {
    let segments: Vec<Vec<u8>> = (0..bytes_per_sample)
        .rev()
        .map(|b| {
            let plane: Vec<u8> = frame
                .iter()
                .skip(b)
                .step_by(bytes_per_sample)
                .copied()
                .collect();
            plane
                .chunks(128)
                .flat_map(|c| [vec![(c.len() - 1) as u8], c.to_vec()].concat())
                .collect()
        })
        .collect();
    let mut header = [0u32; 16];
    header[0] = segments.len() as u32;
    let mut at = 64;
    for (i, s) in segments.iter().enumerate() {
        header[i + 1] = at;
        at += s.len() as u32;
    }
    let mut out: Vec<u8> = header.iter().flat_map(|v| v.to_le_bytes()).collect();
    segments.iter().for_each(|s| out.extend_from_slice(s));
    out
}

async fn get(c: &Case, path: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", c.w.root()))
        .header("Authorization", format!("Bearer {}", c.token))
        .header("Accept", accept)
        .send()
        .await
        .expect("http")
}

fn sop(o: &InMemDicomObject) -> String {
    let e = o.element(tags::SOP_INSTANCE_UID).expect("uid");
    e.to_str().expect("str").trim_end_matches('\0').to_owned()
}

struct Pair {
    native: InMemDicomObject,
    compressed: InMemDicomObject,
    ts: &'static str,
    /// Largest difference allowed between the two renderings (0: lossless).
    tolerance: u8,
    frame: Option<u32>,
}

/// Each compressed instance with its native twin (same pixels).
fn pairs(ids: &StudyIds, series: &str) -> Vec<Pair> {
    let n = usize::from(SIDE) * usize::from(SIDE);
    let gray: Vec<u8> = (0..n).map(|i| (i % 16 * 12 + i / 16 * 3) as u8).collect();
    let rgb: Vec<u8> = (0..n)
        .flat_map(|i| [(i / 64 * 60) as u8, 200, (i / 16 * 10) as u8])
        .collect();
    let wide: Vec<Vec<u8>> = (0..2u32)
        .map(|f| {
            (0..n as u32)
                .flat_map(|i| ((i * 97 + f * 1000) as u16).to_le_bytes())
                .collect()
        })
        .collect();
    let mut ybr = image(ids, series, 4, (3, 8, 1));
    put_text(
        &mut ybr,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        "YBR_FULL_422",
    );
    vec![
        Pair {
            native: with_native(image(ids, series, 1, (1, 8, 1)), gray.clone()),
            compressed: with_fragments(
                image(ids, series, 2, (1, 8, 1)),
                vec![jpeg(&gray, ColorType::Luma)],
            ),
            ts: JPEG,
            tolerance: 4,
            frame: None,
        },
        Pair {
            native: with_native(image(ids, series, 3, (3, 8, 1)), rgb.clone()),
            compressed: with_fragments(ybr, vec![jpeg(&rgb, ColorType::Rgb)]),
            ts: JPEG,
            tolerance: 8,
            frame: None,
        },
        Pair {
            native: with_native(image(ids, series, 5, (1, 16, 2)), wide.concat()),
            compressed: with_fragments(
                image(ids, series, 6, (1, 16, 2)),
                wide.iter().map(|f| rle(f, 2)).collect(),
            ),
            ts: RLE,
            tolerance: 0,
            frame: Some(2),
        },
    ]
}

fn path(c: &Case, o: &InMemDicomObject, frame: Option<u32>) -> String {
    let (st, se) = (&c.ids.study_uid, &c.series);
    let base = format!("/studies/{st}/series/{se}/instances/{}", sop(o));
    match frame {
        Some(f) => format!("{base}/frames/{f}/rendered"),
        None => format!("{base}/rendered"),
    }
}

async fn compressed_render_like_native(c: &Case) {
    for p in &c.pairs {
        let mut bodies = vec![];
        for o in [&p.native, &p.compressed] {
            let r = get(c, &path(c, o, p.frame), "image/png").await;
            assert_eq!(r.status(), 200, "{}", p.ts);
            bodies.push(png_samples(&r.bytes().await.expect("body")));
        }
        assert_eq!(bodies[0].len(), bodies[1].len(), "{}", p.ts);
        let worst = bodies[0]
            .iter()
            .zip(&bodies[1])
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(
            worst <= Some(p.tolerance),
            "{} ({} samples): differs by {worst:?}",
            p.ts,
            bodies[0].len()
        );
    }
}

struct Case {
    w: Web,
    token: String,
    ids: StudyIds,
    series: String,
    pairs: Vec<Pair>,
    /// Instances that cannot be rendered, with a word of the reason given.
    refused: Vec<(InMemDicomObject, &'static str)>,
}

async fn setup(kind: Kind) -> Case {
    let mut w = web(kind).await;
    let clinic = w.here.demo_clinic().await;
    let (ids, series) = (StudyIds::new(1), new_uid());
    let pairs = pairs(&ids, &series);
    for p in &pairs {
        ingest(&w, clinic, &p.native, LE).await;
        ingest(&w, clinic, &p.compressed, p.ts).await;
    }
    let ls = with_fragments(
        image(&ids, &series, 7, (1, 8, 1)),
        vec![vec![0xFF, 0xD8, 0xFF, 0xF7, 0, 0, 0xFF, 0xD9]],
    );
    ingest(&w, clinic, &ls, JPEG_LS).await;
    let damaged = with_fragments(
        image(&ids, &series, 8, (1, 16, 1)),
        vec![vec![2, 0, 0, 0, 0xFF, 0xFF, 0, 0]],
    );
    ingest(&w, clinic, &damaged, RLE).await;
    // A few bytes of JPEG whose frame header claims 65535 × 65535 × 3 (a decoder would
    // allocate 12 GB before reading any of it) in a 16 × 16 image.
    let sof = [
        0xFF, 0xC0, 0x00, 0x11, 8, 0xFF, 0xFF, 0xFF, 0xFF, 3, 1, 0x11, 0,
    ];
    let bomb = with_fragments(
        image(&ids, &series, 9, (3, 8, 1)),
        vec![[&[0xFF, 0xD8][..], &sof, &[0xFF, 0xD9]].concat()],
    );
    ingest(&w, clinic, &bomb, JPEG).await;
    let token = w.token("viewer", &[clinic]).await;
    let refused = vec![(ls, "no decoder"), (damaged, "damaged"), (bomb, "own size")];
    Case {
        w,
        token,
        ids,
        series,
        pairs,
        refused,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_instances_are_rendered() {
    for kind in common::kinds() {
        let c = setup(kind).await;
        compressed_render_like_native(&c).await;
        let thumb = path(&c, &c.pairs[1].compressed, None).replace("/rendered", "/thumbnail");
        let r = get(&c, &thumb, "image/jpeg").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        for (o, why) in &c.refused {
            let r = get(&c, &path(&c, o, None), "image/png").await;
            assert_eq!(r.status(), 406);
            let text = r.text().await.expect("text");
            assert!(text.contains(why), "{text}");
        }
        c.w.here.t.finish().await;
    }
}
