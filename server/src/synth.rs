//! Synthetic DICOM studies for tests and benchmarks, built with dicom-object: CT-like instances
//! of any size, in any of the transfer syntaxes the listener accepts (encapsulated ones carry
//! opaque fragments: Passerelle stores and forwards them as received; only rendering decodes).

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot build the object: {0}")]
    Build(String),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, String),
}

/// Transfer syntaxes the generator can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthTs {
    ImplicitLe,
    ExplicitLe,
    ExplicitBe,
    Deflated,
    JpegBaseline,
    JpegLossless,
    JpegLs,
    Jpeg2000,
    Rle,
    Htj2k,
}

impl SynthTs {
    pub const ALL: [SynthTs; 10] = [
        SynthTs::ImplicitLe,
        SynthTs::ExplicitLe,
        SynthTs::ExplicitBe,
        SynthTs::Deflated,
        SynthTs::JpegBaseline,
        SynthTs::JpegLossless,
        SynthTs::JpegLs,
        SynthTs::Jpeg2000,
        SynthTs::Rle,
        SynthTs::Htj2k,
    ];

    /// The transfer syntax UID (PS3.5 §10, PS3.6 Annex A).
    pub fn uid(self) -> &'static str {
        match self {
            SynthTs::ImplicitLe => "1.2.840.10008.1.2",
            SynthTs::ExplicitLe => "1.2.840.10008.1.2.1",
            SynthTs::ExplicitBe => "1.2.840.10008.1.2.2",
            SynthTs::Deflated => "1.2.840.10008.1.2.1.99",
            SynthTs::JpegBaseline => "1.2.840.10008.1.2.4.50",
            SynthTs::JpegLossless => "1.2.840.10008.1.2.4.70",
            SynthTs::JpegLs => "1.2.840.10008.1.2.4.80",
            SynthTs::Jpeg2000 => "1.2.840.10008.1.2.4.90",
            SynthTs::Rle => "1.2.840.10008.1.2.5",
            SynthTs::Htj2k => "1.2.840.10008.1.2.4.201",
        }
    }

    fn encapsulated(self) -> bool {
        !matches!(
            self,
            SynthTs::ImplicitLe | SynthTs::ExplicitLe | SynthTs::ExplicitBe | SynthTs::Deflated
        )
    }
}

/// A fresh UID under the UUID-derived root 2.25 (PS3.5 §B.2).
pub fn new_uid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// The identity shared by the instances of one study.
#[derive(Debug, Clone)]
pub struct StudyIds {
    pub patient_id: String,
    pub patient_name: String,
    pub study_uid: String,
    pub accession: String,
}

impl StudyIds {
    pub fn new(n: usize) -> Self {
        Self {
            patient_id: format!("SYN{n:06}"),
            patient_name: format!("SYNTHETIQUE^PATIENT{n}"),
            study_uid: new_uid(),
            accession: format!("A{n:07}"),
        }
    }
}

/// One CT-like instance of about `pixel_bytes` of pixel data.
pub fn instance(
    ids: &StudyIds,
    series_uid: &str,
    number: usize,
    pixel_bytes: usize,
) -> InMemDicomObject {
    let side = ((pixel_bytes / 2) as f64).sqrt().max(1.0) as u16;
    let text = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
    let mut obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, &new_uid()),
        text(tags::STUDY_DATE, VR::DA, "20261127"),
        text(tags::STUDY_TIME, VR::TM, "101500"),
        text(tags::ACCESSION_NUMBER, VR::SH, &ids.accession),
        text(tags::MODALITY, VR::CS, "CT"),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "GAGNON^MARIE"),
        text(tags::STUDY_DESCRIPTION, VR::LO, "CT THORAX"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "AXIAL"),
        text(tags::PATIENT_NAME, VR::PN, &ids.patient_name),
        text(tags::PATIENT_ID, VR::LO, &ids.patient_id),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"),
        text(tags::PATIENT_SEX, VR::CS, "O"),
        text(tags::BODY_PART_EXAMINED, VR::CS, "CHEST"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, &ids.study_uid),
        text(tags::SERIES_INSTANCE_UID, VR::UI, series_uid),
        text(tags::SERIES_NUMBER, VR::IS, "1"),
        text(tags::INSTANCE_NUMBER, VR::IS, &number.to_string()),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, dicom_value!(U16, [1])),
        DataElement::new(tags::ROWS, VR::US, dicom_value!(U16, [side])),
        DataElement::new(tags::COLUMNS, VR::US, dicom_value!(U16, [side])),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, dicom_value!(U16, [16])),
        DataElement::new(tags::BITS_STORED, VR::US, dicom_value!(U16, [12])),
        DataElement::new(tags::HIGH_BIT, VR::US, dicom_value!(U16, [11])),
        DataElement::new(tags::PIXEL_REPRESENTATION, VR::US, dicom_value!(U16, [0])),
    ]);
    let len = usize::from(side) * usize::from(side) * 2;
    let pixels: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::from(pixels),
    ));
    obj
}

/// Writes `obj` as a Part-10 file in `ts`.
pub fn write(obj: InMemDicomObject, ts: SynthTs, path: &Path) -> Result<(), SynthError> {
    let mut obj = obj;
    if ts.encapsulated() {
        let bytes = obj
            .element(tags::PIXEL_DATA)
            .ok()
            .and_then(|e| e.to_bytes().ok().map(|b| b.into_owned()))
            .unwrap_or_default();
        let mut fragment = bytes;
        if fragment.len() % 2 == 1 {
            fragment.push(0);
        }
        let seq: Value<InMemDicomObject> =
            PixelFragmentSequence::new(vec![0u32], vec![fragment]).into();
        obj.put(DataElement::new(tags::PIXEL_DATA, VR::OB, seq));
    }
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts.uid()))
        .map_err(|e| SynthError::Build(e.to_string()))?;
    file.write_to_file(path)
        .map_err(|e| SynthError::Write(path.to_owned(), e.to_string()))
}

/// Writes `studies` studies of `per_study` instances (one series each) into `dir`.
pub fn write_studies(
    dir: &Path,
    studies: usize,
    per_study: usize,
    pixel_bytes: usize,
    ts: SynthTs,
) -> Result<Vec<PathBuf>, SynthError> {
    let mut out = Vec::new();
    for s in 0..studies {
        let ids = StudyIds::new(s);
        let series = new_uid();
        for i in 0..per_study {
            let path = dir.join(format!("s{s:04}_i{i:05}.dcm"));
            write(instance(&ids, &series, i + 1, pixel_bytes), ts, &path)?;
            out.push(path);
        }
    }
    Ok(out)
}
