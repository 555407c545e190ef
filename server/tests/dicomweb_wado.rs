//! WADO-RS with a real client (Python dicomweb-client) and raw requests: a study of five
//! instances in two series (two 16-bit CT, an 8-bit RGB, a 3-frame 8-bit grayscale and a
//! 2-frame JPEG-encapsulated one) retrieved as study / series / instance (Part-10 bytes equal
//! to what was received), metadata at the three levels, native and compressed frames, pixel
//! bulk data, rendered JPEG / PNG and thumbnails; then a token of clinic A asking for clinic
//! B's study (404), unacceptable media types (406), frames out of range (404) or malformed
//! (400), a compressed instance whose data cannot be decoded (406), and an instance released to
//! the archive (404, left out of its series with a Warning).

mod common;

use common::Kind;
use common::rig::store_synthetic;
use common::web::{Web, ingest, python, web};
use dicom_core::value::{PixelFragmentSequence, Value as DicomValue};
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::index_entities::instance;
use server::synth::{self, StudyIds, new_uid};
use std::collections::BTreeSet;

const LE: &str = "1.2.840.10008.1.2.1";
const JPEG: &str = "1.2.840.10008.1.2.4.50";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, v: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
}

/// An 8-bit image of `samples` samples per pixel, `frames` frames of `rows` × `cols`.
fn image(ids: &StudyIds, series: &str, n: usize, shape: (u16, u16, u16, u16)) -> InMemDicomObject {
    let (rows, cols, samples, frames) = shape;
    let mut obj = synth::instance(ids, series, n, 2);
    let shape = [
        (tags::ROWS, rows),
        (tags::COLUMNS, cols),
        (tags::SAMPLES_PER_PIXEL, samples),
    ];
    let depth = [
        (tags::BITS_ALLOCATED, 8),
        (tags::BITS_STORED, 8),
        (tags::HIGH_BIT, 7),
    ];
    for (tag, v) in shape.into_iter().chain(depth) {
        obj.put(DataElement::new(tag, VR::US, dicom_value!(U16, [v])));
    }
    text(
        &mut obj,
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        &frames.to_string(),
    );
    if samples == 3 {
        let planar = DataElement::new(tags::PLANAR_CONFIGURATION, VR::US, dicom_value!(U16, [0]));
        obj.put(planar);
        text(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB");
    }
    let len = usize::from(rows) * usize::from(cols) * usize::from(samples) * usize::from(frames);
    let pixels: Vec<u8> = (0..len).map(|i| (i * 11 % 256) as u8).collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::from(pixels),
    ));
    obj
}

fn pixels_of(obj: &InMemDicomObject) -> Vec<u8> {
    let e = obj.element(tags::PIXEL_DATA).expect("pixels");
    e.to_bytes().expect("bytes").into_owned()
}

fn uid_of(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    let e = obj.element(tag).expect("uid");
    e.to_str().expect("str").trim_end_matches('\0').to_owned()
}

const CLIENT: &str = r#"
import io, json, sys
import requests
from PIL import Image
from dicomweb_client.api import DICOMwebClient
url, token, ids = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
h = {"Authorization": "Bearer " + token}
c = DICOMwebClient(url=url, headers=h)
st, sx, sy = ids["study"], ids["series_x"], ids["series_y"]
def img(b):
    im = Image.open(io.BytesIO(b))
    return [im.format, im.size[0], im.size[1], im.mode]
out = {}
out["study"] = sorted([d.SOPInstanceUID, d.file_meta.TransferSyntaxUID] for d in c.retrieve_study(st))
out["series_x"] = sorted(d.SOPInstanceUID for d in c.retrieve_series(st, sx))
d = c.retrieve_instance(st, sy, ids["rgb"])
out["rgb"] = [d.SOPInstanceUID, d.PixelData.hex()]
out["study_meta"] = c.retrieve_study_metadata(st)
out["series_meta"] = c.retrieve_series_metadata(st, sy)
out["multi_meta"] = c.retrieve_instance_metadata(st, sy, ids["multi"])
out["frames"] = [f.hex() for f in c.retrieve_instance_frames(st, sy, ids["multi"], [3, 1])]
out["jpeg_frames"] = [f.hex() for f in c.retrieve_instance_frames(
    st, sy, ids["jpeg"], [2, 1], media_types=("image/jpeg",))]
ct = c.retrieve_instance_metadata(st, sx, ids["ct"])
uri = ct["7FE00010"]["BulkDataURI"].replace(ids["public"], url)
out["bulk"] = [b.hex() for b in c.retrieve_bulkdata(uri)]
out["ct_png"] = img(c.retrieve_instance_rendered(st, sx, ids["ct"], media_types=("image/png",)))
png = c.retrieve_instance_rendered(st, sy, ids["rgb"], media_types=("image/png",))
out["rgb_png"] = img(png) + [Image.open(io.BytesIO(png)).tobytes().hex()]
out["rgb_jpeg"] = img(c.retrieve_instance_rendered(st, sy, ids["rgb"]))
out["frame_rendered"] = img(c.retrieve_instance_frames_rendered(
    st, sy, ids["multi"], [2], media_types=("image/jpeg",)))
r = requests.get(f"{url}/studies/{st}/series/{sx}/instances/{ids['ct']}/thumbnail",
                 headers=h, params={"viewport": "8,8"})
out["thumb"] = [r.headers["content-type"]] + img(r.content)
print(json.dumps(out))
"#;

/// The bodies of a `multipart/related` answer.
fn parts(content_type: &str, body: &[u8]) -> Vec<Vec<u8>> {
    let b = content_type
        .split("boundary=")
        .nth(1)
        .expect("boundary")
        .trim_matches('"');
    let delim = format!("\r\n--{b}").into_bytes();
    let mut body = [b"\r\n".as_slice(), body].concat();
    let mut out = Vec::new();
    while let Some(i) = body.windows(delim.len()).position(|w| w == delim) {
        let part = body[..i].to_vec();
        body.drain(..i + delim.len());
        if let Some(h) = part.windows(4).position(|w| w == b"\r\n\r\n") {
            out.push(part[h + 4..].to_vec());
        }
    }
    out
}

/// The study of clinic A (series X: two CT; series Y: RGB, 3-frame, JPEG 2-frame) and one
/// study of clinic B.
struct Fixture {
    w: Web,
    token: String,
    ids: StudyIds,
    sx: String,
    sy: String,
    ct: [InMemDicomObject; 2],
    rgb: InMemDicomObject,
    multi: InMemDicomObject,
    jpeg: InMemDicomObject,
    fragments: [Vec<u8>; 2],
    /// The data sets as ingested, byte for byte.
    received: BTreeSet<Vec<u8>>,
    other: (String, String),
}

fn sop(o: &InMemDicomObject) -> String {
    uid_of(o, tags::SOP_INSTANCE_UID)
}

impl Fixture {
    fn all(&self) -> [(&InMemDicomObject, &str); 5] {
        let [c1, c2] = &self.ct;
        [
            (c1, LE),
            (c2, LE),
            (&self.rgb, LE),
            (&self.multi, LE),
            (&self.jpeg, JPEG),
        ]
    }

    fn path(&self, o: &InMemDicomObject, series: &str) -> String {
        let study = &self.ids.study_uid;
        format!("/studies/{study}/series/{series}/instances/{}", sop(o))
    }

    async fn get(&self, path: &str, accept: Option<&str>) -> reqwest::Response {
        let mut r = reqwest::Client::new()
            .get(format!("{}{path}", self.w.root()))
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(a) = accept {
            r = r.header("Accept", a);
        }
        r.send().await.expect("http")
    }
}

async fn fixture(kind: Kind) -> Fixture {
    let mut w = web(kind).await;
    let a = w.here.demo_clinic().await;
    let b = w.here.add_clinic("CLB", "B").await;
    let ids = StudyIds::new(1);
    let (sx, sy) = (new_uid(), new_uid());
    let mut multi = image(&ids, &sy, 2, (4, 5, 1, 3));
    text(&mut multi, tags::WINDOW_CENTER, VR::DS, "100");
    text(&mut multi, tags::WINDOW_WIDTH, VR::DS, "200");
    let fragments = [
        vec![0xFF, 0xD8, 1, 2, 3, 4, 0xFF, 0xD9],
        vec![0xFF, 0xD8, 9, 8, 0xFF, 0xD9],
    ];
    let mut jpeg = image(&ids, &sy, 3, (8, 8, 1, 2));
    let offsets = vec![0, 8 + fragments[0].len() as u32];
    let seq: DicomValue<InMemDicomObject> =
        PixelFragmentSequence::new(offsets, fragments.to_vec()).into();
    jpeg.put(DataElement::new(tags::PIXEL_DATA, VR::OB, seq));
    let other = (StudyIds::new(2), new_uid());
    let ingest_b = w.here.state.ingest.get().expect("ingest");
    let r = store_synthetic(ingest_b, b, &other.0, &other.1, 1, 512).await;
    assert_eq!(r.status, 0);
    let token = w.token("viewer", &[a]).await;
    let mut f = Fixture {
        token,
        ct: [
            synth::instance(&ids, &sx, 1, 512),
            synth::instance(&ids, &sx, 2, 512),
        ],
        rgb: image(&ids, &sy, 1, (4, 6, 3, 1)),
        multi,
        jpeg,
        fragments,
        received: BTreeSet::new(),
        other: (other.0.study_uid, other.1),
        ids,
        sx,
        sy,
        w,
    };
    let mut received = BTreeSet::new();
    for (obj, ts) in f.all() {
        received.insert(ingest(&f.w, a, obj, ts).await);
    }
    f.received = received;
    f
}

/// Everything through dicomweb-client.
async fn with_client(f: &Fixture) {
    let args = json!({
        "study": f.ids.study_uid, "series_x": f.sx, "series_y": f.sy, "ct": sop(&f.ct[0]),
        "rgb": sop(&f.rgb), "multi": sop(&f.multi), "jpeg": sop(&f.jpeg),
        "public": "http://127.0.0.1:3000/dicomweb",
    });
    let (ok, out, err) = python(CLIENT, &[f.w.root(), f.token.clone(), args.to_string()]).await;
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let mut expected: Vec<Value> = f.all().iter().map(|(o, ts)| json!([sop(o), ts])).collect();
    expected.sort_by_key(|x| x[0].as_str().unwrap_or("").to_owned());
    assert_eq!(v["study"], Value::Array(expected));
    let mut xs = vec![sop(&f.ct[0]), sop(&f.ct[1])];
    xs.sort();
    assert_eq!(v["series_x"], json!(xs));
    assert_eq!(v["rgb"], json!([sop(&f.rgb), hex(&pixels_of(&f.rgb))]));
    assert_eq!(v["study_meta"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["series_meta"].as_array().map(Vec::len), Some(3));
    check_metadata(f, &v["multi_meta"]);
    let mf = pixels_of(&f.multi);
    assert_eq!(v["frames"], json!([hex(&mf[40..60]), hex(&mf[..20])]));
    let [f1, f2] = &f.fragments;
    assert_eq!(v["jpeg_frames"], json!([hex(f2), hex(f1)]));
    assert_eq!(v["bulk"], json!([hex(&pixels_of(&f.ct[0]))]));
    assert_eq!(v["ct_png"], json!(["PNG", 16, 16, "L"]));
    let rgb = hex(&pixels_of(&f.rgb));
    assert_eq!(v["rgb_png"], json!(["PNG", 6, 4, "RGB", rgb]));
    assert_eq!(v["rgb_jpeg"], json!(["JPEG", 6, 4, "RGB"]));
    assert_eq!(v["frame_rendered"], json!(["JPEG", 5, 4, "L"]));
    assert_eq!(v["thumb"], json!(["image/jpeg", "JPEG", 8, 8, "L"]));
}

/// What OHIF needs of an instance's metadata, and the pixel data by reference.
fn check_metadata(f: &Fixture, m: &Value) {
    assert_eq!(m["00080018"]["Value"][0], json!(sop(&f.multi)));
    assert_eq!(m["00080016"]["Value"][0], uids::CT_IMAGE_STORAGE);
    assert_eq!(m["0020000D"]["Value"][0], json!(f.ids.study_uid));
    assert_eq!(m["0020000E"]["Value"][0], json!(f.sy));
    assert_eq!(m["00280008"]["Value"][0], json!(3), "IS as a number");
    let size = (&m["00280010"]["Value"][0], &m["00280011"]["Value"][0]);
    assert_eq!(size, (&json!(4), &json!(5)));
    assert_eq!(m["00280100"]["Value"][0], json!(8));
    assert_eq!(m["00281050"]["Value"][0], json!(100.0), "DS as a number");
    assert_eq!(m["00280004"]["Value"][0], "MONOCHROME2");
    assert_eq!(m["00083002"]["Value"][0], LE);
    let uri = m["7FE00010"]["BulkDataURI"].as_str().unwrap_or("");
    assert!(uri.ends_with("/bulkdata/7FE00010"), "{uri}");
    assert!(m["7FE00010"].get("InlineBinary").is_none());
}

const DICOM: &str = "multipart/related; type=\"application/dicom\"";

/// The Part-10 bytes of a study as a raw client sees them.
async fn part10_bytes(f: &Fixture) {
    let r = f
        .get(&format!("/studies/{}", f.ids.study_uid), Some(DICOM))
        .await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().expect("ct").to_owned();
    assert!(ct.starts_with(DICOM), "{ct}");
    let got: BTreeSet<Vec<u8>> = parts(&ct, &r.bytes().await.expect("body"))
        .into_iter()
        .map(|p| {
            assert_eq!(&p[..128], &[0u8; 128][..], "zero preamble");
            let at = server::storage::dataset_offset(&p).expect("Part 10");
            p[at..].to_vec()
        })
        .collect();
    assert_eq!(got, f.received, "the data sets as received, byte for byte");
}

/// Another clinic's study, unacceptable media types, bad frames, no credentials.
async fn refusals(f: &Fixture) {
    let st = &f.ids.study_uid;
    let (bst, bse) = &f.other;
    let (rgb, multi, jpeg) = (
        f.path(&f.rgb, &f.sy),
        f.path(&f.multi, &f.sy),
        f.path(&f.jpeg, &f.sy),
    );
    let jpeg_ts = format!("{DICOM}; transfer-syntax={JPEG}");
    // Another clinic's study and series; a transfer syntax other than the stored one; XML
    // metadata; a GIF; frame 4 of 3; a malformed frame list.
    let cases = [
        (404, format!("/studies/{bst}"), None),
        (404, format!("/studies/{bst}/metadata"), None),
        (404, format!("/studies/{bst}/series/{bse}"), None),
        (406, format!("/studies/{st}"), Some(jpeg_ts.as_str())),
        (
            406,
            format!("/studies/{st}/metadata"),
            Some("application/dicom+xml"),
        ),
        (406, format!("{rgb}/rendered"), Some("image/gif")),
        (404, format!("{multi}/frames/4"), None),
        (400, format!("{multi}/frames/1,x"), None),
    ];
    for (status, path, accept) in cases {
        assert_eq!(
            f.get(&path, accept).await.status(),
            status,
            "{path} {accept:?}"
        );
    }
    let r = f.get(&format!("{jpeg}/rendered"), None).await;
    assert_eq!(r.status(), 406);
    assert!(r.text().await.expect("text").contains("compressed"));
    let r = reqwest::get(format!("{}/studies/{st}", f.w.root()))
        .await
        .expect("http");
    assert_eq!(r.status(), 401);
}

/// An instance whose spool copy was released: 404 with the reason, left out of its series.
async fn released(f: &Fixture) {
    instance::Entity::update_many()
        .col_expr(instance::Column::PurgedAt, Expr::value(1_i64))
        .filter(instance::Column::SopInstanceUid.eq(sop(&f.ct[1])))
        .exec(&f.w.here.t.db)
        .await
        .expect("release");
    let r = f.get(&f.path(&f.ct[1], &f.sx), None).await;
    assert_eq!(r.status(), 404);
    let text = r.text().await.expect("text");
    assert!(text.contains("released to the archive"), "{text}");
    let series = format!("/studies/{}/series/{}", f.ids.study_uid, f.sx);
    let r = f.get(&series, None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("warning"));
    let ct = r.headers()["content-type"].to_str().expect("ct").to_owned();
    assert_eq!(parts(&ct, &r.bytes().await.expect("body")).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wado_with_dicomweb_client_and_clinic_scoping() {
    for kind in common::kinds() {
        let f = fixture(kind).await;
        with_client(&f).await;
        part10_bytes(&f).await;
        refusals(&f).await;
        released(&f).await;
        f.w.here.t.finish().await;
    }
}
