//! Rendered images of files compressed by other encoders (pydicom's test set, installed with
//! dicomweb-client): RLE and JPEG 2000 lossless render exactly like the uncompressed original;
//! JPEG lossless exactly like RLE of the same picture; JPEG baseline (YBR_FULL, YBR_FULL_422,
//! an Adobe marker, and RGB without any colour marker, PS3.5 §8.2.1) within a few levels of
//! pydicom's decoding (libjpeg) in 99.5 % of samples; JPEG-LS lossless is a 406.

mod common;

use base64::Engine;
use common::web::{Web, ingest, png_samples, python, web};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use server::synth::new_uid;

/// JPEG baseline files compared with pydicom's decoding of them.
const LIKE_PYDICOM: [&str; 4] = [
    "SC_jpeg_no_color_transform.dcm",
    "SC_rgb_dcmtk_+eb+cy+np.dcm",
    "SC_rgb_jpeg_app14_dcmd.dcm",
    "examples_ybr_color.dcm",
];

/// pydicom's test files directory, and its decoding of the first frame of each of
/// `LIKE_PYDICOM` (8-bit RGB samples, base64).
const SCRIPT: &str = r#"
import base64, json, os, sys, pydicom
d = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
out = {"dir": d}
for n in sys.argv[1:]:
    a = pydicom.dcmread(os.path.join(d, n)).pixel_array
    a = a[0] if a.ndim == 4 else a  # the first frame
    out[n] = base64.b64encode(a.astype("uint8").tobytes()).decode()
print(json.dumps(out))
"#;

fn uid(o: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    let e = o.element(tag).expect("uid");
    e.to_str().expect("str").trim_end_matches('\0').to_owned()
}

/// A file of the set under a new SOP Instance UID (so that twins can live in one clinic),
/// ingested as stored.
async fn ingest_file(w: &Web, clinic: i64, dir: &str, name: &str) -> InMemDicomObject {
    let file = dicom_object::open_file(format!("{dir}/{name}")).expect(name);
    let ts = file
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_owned();
    let mut obj = file.into_inner();
    let sop = PrimitiveValue::from(new_uid());
    obj.put(DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, sop));
    ingest(w, clinic, &obj, &ts).await;
    obj
}

/// The status and body of an instance's `/rendered` as PNG.
async fn rendered(w: &Web, token: &str, o: &InMemDicomObject) -> (u16, Vec<u8>) {
    let (st, se) = (
        uid(o, tags::STUDY_INSTANCE_UID),
        uid(o, tags::SERIES_INSTANCE_UID),
    );
    let sop = uid(o, tags::SOP_INSTANCE_UID);
    let r = reqwest::Client::new()
        .get(format!(
            "{}/studies/{st}/series/{se}/instances/{sop}/rendered",
            w.root()
        ))
        .header("Authorization", format!("Bearer {token}"))
        .header("Accept", "image/png")
        .send()
        .await
        .expect("http");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("body").to_vec())
}

/// Renders each named file; the samples of those rendered.
async fn render_all(w: &Web, token: &str, objs: &[InMemDicomObject]) -> Vec<(u16, Vec<u8>)> {
    let mut out = vec![];
    for o in objs {
        let (status, body) = rendered(w, token, o).await;
        let samples = if status == 200 {
            png_samples(&body)
        } else {
            body
        };
        out.push((status, samples));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_encoders_files_render_like_their_reference() {
    let names: Vec<String> = LIKE_PYDICOM.iter().map(|n| n.to_string()).collect();
    let (ok, out, err) = python(SCRIPT, &names).await;
    assert!(ok, "pydicom (installed with dicomweb-client): {err}");
    let reference: serde_json::Value = serde_json::from_str(&out).expect("json");
    let dir = reference["dir"].as_str().expect("dir").to_owned();
    for kind in common::kinds() {
        let mut w = web(kind).await;
        let clinic = w.here.demo_clinic().await;
        let token = w.token("viewer", &[clinic]).await;
        let twins = [
            "MR_small.dcm",
            "MR_small_RLE.dcm",
            "MR_small_jp2klossless.dcm",
            "SC_rgb_rle.dcm",
            "SC_rgb_jpeg_gdcm.dcm",
            "MR_small_jpeg_ls_lossless.dcm",
        ];
        let mut objs = vec![];
        for name in twins.iter().chain(&LIKE_PYDICOM) {
            objs.push(ingest_file(&w, clinic, &dir, name).await);
        }
        let got = render_all(&w, &token, &objs).await;
        let shades: std::collections::BTreeSet<u8> = got[0].1.iter().copied().collect();
        assert!(shades.len() > 50, "the original renders as an image");
        for (i, j) in [(0, 1), (0, 2), (3, 4)] {
            assert_eq!((got[i].0, got[j].0), (200, 200), "{}", twins[j]);
            assert!(got[i].1 == got[j].1, "{} like {}", twins[j], twins[i]);
        }
        assert_eq!(got[5].0, 406, "JPEG-LS");
        for (name, (status, samples)) in LIKE_PYDICOM.iter().zip(&got[twins.len()..]) {
            assert_eq!(*status, 200, "{name}");
            let expected = base64::engine::general_purpose::STANDARD
                .decode(reference[*name].as_str().expect("reference"))
                .expect("base64");
            assert_eq!(samples.len(), expected.len(), "{name}");
            let diffs: Vec<u8> = samples
                .iter()
                .zip(&expected)
                .map(|(a, b)| a.abs_diff(*b))
                .collect();
            // Decoders round differently: a few isolated specks of SC_jpeg_no_color_transform
            // differ more (0.2 % of its samples); a wrong colour transform moves nearly all.
            let far = diffs.iter().filter(|d| **d > 4).count();
            assert!(
                far * 200 < diffs.len(),
                "{name} differs from libjpeg's by more than 4 in {far} of {} samples",
                diffs.len()
            );
        }
        w.here.t.finish().await;
    }
}
