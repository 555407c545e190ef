//! Tests of the token parser: every transfer syntax, truncation, trailing elements, priority.

use super::*;
use crate::storage::dataset_offset;
use crate::synth::{self, StudyIds, SynthTs};
use dicom_core::{DataElement, VR};
use dicom_object::InMemDicomObject;

/// The data set (after the file meta) of a synthetic instance written in `ts`.
fn encoded(obj: InMemDicomObject, ts: SynthTs) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("i.dcm");
    synth::write(obj, ts, &path).expect("write");
    let file = std::fs::read(&path).expect("read");
    let at = dataset_offset(&file).expect("part 10");
    file[at..].to_vec()
}

fn sample() -> (StudyIds, String, InMemDicomObject) {
    let ids = StudyIds::new(3);
    let series = synth::new_uid();
    let obj = synth::instance(&ids, &series, 7, 4096);
    (ids, series, obj)
}

#[test]
fn every_transfer_syntax_gives_the_same_attributes() {
    for ts in SynthTs::ALL {
        let (ids, series, obj) = sample();
        let sop = obj
            .element(tags::SOP_INSTANCE_UID)
            .expect("uid")
            .to_str()
            .expect("str")
            .into_owned();
        let a = parse(&encoded(obj, ts), ts.uid()).expect("parse");
        assert_eq!(a.study_uid, ids.study_uid, "{ts:?}");
        assert_eq!(a.series_uid, series, "{ts:?}");
        assert_eq!(a.sop_instance_uid, sop.trim_end_matches('\0'), "{ts:?}");
        assert_eq!(a.patient_name, ids.patient_name, "{ts:?}");
        assert_eq!(a.instance_number, "7", "{ts:?}");
    }
}

#[test]
fn truncated_pixel_data_is_unreadable() {
    for ts in [
        SynthTs::ExplicitLe,
        SynthTs::ImplicitLe,
        SynthTs::ExplicitBe,
        SynthTs::Jpeg2000,
        SynthTs::Rle,
    ] {
        let (_, _, obj) = sample();
        let bytes = encoded(obj, ts);
        assert!(parse(&bytes, ts.uid()).is_ok(), "{ts:?} whole");
        let cut = &bytes[..bytes.len() - 10];
        assert!(
            matches!(parse(cut, ts.uid()), Err(ParseError::Unreadable(_))),
            "{ts:?} cut"
        );
    }
}

#[test]
fn what_follows_the_pixel_data_must_parse() {
    let (_, _, obj) = sample();
    let mut bytes = encoded(obj, SynthTs::ExplicitLe);
    // Data Set Trailing Padding (FFFC,FFFC), OB, 4 bytes (PS3.5 §7.1.2 and PS3.6).
    bytes.extend_from_slice(&[
        0xFC, 0xFF, 0xFC, 0xFF, b'O', b'B', 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
    ]);
    assert!(parse(&bytes, SynthTs::ExplicitLe.uid()).is_ok(), "padding");
    bytes.extend_from_slice(&[0xFE, 0xFF, 0x00, 0x00, b'O']);
    assert!(
        matches!(
            parse(&bytes, SynthTs::ExplicitLe.uid()),
            Err(ParseError::Unreadable(_))
        ),
        "junk after the pixel data"
    );
}

#[test]
fn missing_uids_and_garbage_are_refused() {
    let (_, _, mut obj) = sample();
    obj.remove_element(tags::SERIES_INSTANCE_UID);
    let bytes = encoded(obj, SynthTs::ExplicitLe);
    assert!(matches!(
        parse(&bytes, SynthTs::ExplicitLe.uid()),
        Err(ParseError::Missing("SeriesInstanceUID"))
    ));
    assert!(parse(b"\x08\x00\x16\x00UI\xff\xff", SynthTs::ExplicitLe.uid()).is_err());
    assert!(matches!(
        parse(&bytes, "1.2.3.4.5"),
        Err(ParseError::UnknownTransferSyntax(_))
    ));
}

#[test]
fn priority_comes_from_the_first_request_item_when_not_at_the_top() {
    let (_, _, mut obj) = sample();
    let item = |p: &str| {
        InMemDicomObject::from_element_iter([DataElement::new(
            tags::REQUESTED_PROCEDURE_PRIORITY,
            VR::CS,
            p,
        )])
    };
    obj.put(DataElement::new(
        tags::REQUEST_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![item("STAT"), item("LOW")]),
    ));
    let a = parse(
        &encoded(obj.clone(), SynthTs::ExplicitLe),
        "1.2.840.10008.1.2.1",
    )
    .expect("parse");
    assert_eq!(a.priority, "STAT");
    obj.put(DataElement::new(
        tags::REQUESTED_PROCEDURE_PRIORITY,
        VR::CS,
        "ROUTINE",
    ));
    let a = parse(&encoded(obj, SynthTs::ExplicitLe), "1.2.840.10008.1.2.1").expect("parse");
    assert_eq!(a.priority, "ROUTINE");
}
