//! One part of a STOW-RS request (PS3.18 §10.5.1.2: a DICOM Part-10 file, PS3.10 §7.1): its
//! file meta group gives the SOP class / instance and transfer syntax, the data set goes through
//! the same durable ingest as a C-STORE, and the ingest status becomes the part's outcome with
//! the Failure / Warning Reason of PS3.18 Annex I.2.

use crate::ingest::{self, Ingest, StoreRequest};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use dicom_object::meta::FileMetaTable;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use domain::ClinicId;
use std::sync::Arc;

/// Failure Reason values (PS3.18 Table I.2-2).
pub const OUT_OF_RESOURCES: u16 = 0xA700;
pub const DOES_NOT_MATCH: u16 = 0xA900;
pub const CANNOT_UNDERSTAND: u16 = 0xC000;
pub const TRANSFER_SYNTAX_NOT_SUPPORTED: u16 = 0xC122;
pub const PROCESSING_FAILURE: u16 = 0x0110;

/// What is the same for every part of one request.
#[derive(Clone)]
pub struct Target {
    pub ingest: Arc<Ingest>,
    pub clinic: ClinicId,
    pub called_ae: String,
    /// `POST /studies/{study}`: every instance must belong to this study (PS3.18 §10.5.1.1).
    pub study: Option<String>,
}

/// The result of one part, for the response (PS3.18 Table I.1-1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub sop_class: Option<String>,
    pub sop_instance: Option<String>,
    pub study: Option<String>,
    pub series: Option<String>,
    /// `None`: stored; `Some(reason)`: not stored, with its Failure Reason (0008,1197).
    pub failure: Option<u16>,
    /// Stored with this Warning Reason (0008,1196).
    pub warning: Option<u16>,
}

impl Outcome {
    pub fn failed(reason: u16) -> Self {
        Self {
            failure: Some(reason),
            ..Self::default()
        }
    }
}

/// What the part's file meta group and first attributes say.
struct Identified {
    meta: FileMetaTable,
    dataset_at: usize,
    study: String,
    series: String,
}

fn uid(v: &str) -> Option<String> {
    let v = v.trim_end_matches(['\0', ' ']);
    (!v.is_empty()).then(|| v.to_owned())
}

/// Reads the file meta group, where the data set starts, and the study / series UIDs (the data
/// set is read only up to Series Instance UID). Blocking.
fn identify(bytes: &[u8]) -> Result<Identified, Outcome> {
    let pre = match (bytes.get(128..132), bytes.get(..4)) {
        (Some(b"DICM"), _) => 128,
        (_, Some(b"DICM")) => 0,
        _ => return Err(Outcome::failed(CANNOT_UNDERSTAND)),
    };
    let file = bytes.get(pre..).unwrap_or_default();
    let mut rest = file;
    let meta =
        FileMetaTable::from_reader(&mut rest).map_err(|_| Outcome::failed(CANNOT_UNDERSTAND))?;
    let dataset_at = bytes.len() - rest.len();
    let known = Outcome {
        sop_class: uid(meta.media_storage_sop_class_uid()),
        sop_instance: uid(meta.media_storage_sop_instance_uid()),
        ..Outcome::default()
    };
    if TransferSyntaxRegistry.get(meta.transfer_syntax()).is_none() {
        return Err(Outcome {
            failure: Some(TRANSFER_SYNTAX_NOT_SUPPORTED),
            ..known
        });
    }
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .read_until(Tag(0x0020, 0x000F))
        .from_reader(file)
        .map_err(|_| Outcome {
            failure: Some(CANNOT_UNDERSTAND),
            ..known.clone()
        })?;
    let text = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .and_then(|s| uid(&s))
    };
    match (
        text(tags::STUDY_INSTANCE_UID),
        text(tags::SERIES_INSTANCE_UID),
    ) {
        (Some(study), Some(series)) => Ok(Identified {
            meta,
            dataset_at,
            study,
            series,
        }),
        _ => Err(Outcome {
            failure: Some(DOES_NOT_MATCH),
            ..known
        }),
    }
}

/// The part's Failure Reason (PS3.18 Table I.2-2) for an ingest status (PS3.4 Annex B.2.3):
/// the standard's ranges pass through; an Invalid SOP Instance (0117: the file meta group and
/// the data set name different instances) cannot be understood; anything else is a processing
/// failure.
pub fn failure_reason(status: u16) -> u16 {
    match status {
        0xA700..=0xA7FF | 0xA900..=0xA9FF | 0xC000..=0xCFFF | 0x0122 | 0x0110 => status,
        ingest::INVALID_SOP_INSTANCE => CANNOT_UNDERSTAND,
        _ => PROCESSING_FAILURE,
    }
}

/// The calling AE title ingest records for instances received by STOW-RS.
pub const CALLING_AE: &str = "STOW-RS";

/// Identifies one part and makes it an ingest request, or says why it is refused. Never fails
/// the request, only the part.
pub async fn prepare(target: &Target, bytes: Vec<u8>) -> Result<(Outcome, StoreRequest), Outcome> {
    let (id, bytes) = match tokio::task::spawn_blocking(move || (identify(&bytes), bytes)).await {
        Ok((Ok(id), bytes)) => (id, bytes),
        Ok((Err(outcome), _)) => return Err(outcome),
        Err(_) => return Err(Outcome::failed(PROCESSING_FAILURE)),
    };
    let mut out = Outcome {
        sop_class: uid(id.meta.media_storage_sop_class_uid()),
        sop_instance: uid(id.meta.media_storage_sop_instance_uid()),
        study: Some(id.study.clone()),
        series: Some(id.series.clone()),
        ..Outcome::default()
    };
    if target.study.as_ref().is_some_and(|s| *s != id.study) {
        out.failure = Some(DOES_NOT_MATCH);
        return Err(out);
    }
    let mut dataset = bytes;
    dataset.drain(..id.dataset_at);
    let rq = StoreRequest {
        clinic: target.clinic,
        calling_ae: CALLING_AE.to_owned(),
        called_ae: target.called_ae.clone(),
        command_sop_class: out.sop_class.clone().unwrap_or_default(),
        command_sop_instance: out.sop_instance.clone().unwrap_or_default(),
        transfer_syntax: id.meta.transfer_syntax().to_owned(),
        dataset,
    };
    Ok((out, rq))
}

/// The part's outcome once ingest answered.
pub fn settle(mut out: Outcome, r: &ingest::StoreResult) -> Outcome {
    match r.status {
        ingest::SUCCESS => {}
        ingest::WARNING_NOT_STORED => out.warning = Some(ingest::WARNING_NOT_STORED),
        s => {
            tracing::info!(status = s, comment = ?r.comment, uid = ?out.sop_instance, "STOW-RS part refused");
            out.failure = Some(failure_reason(s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_follow_table_i_2_2() {
        assert_eq!(failure_reason(0xA700), 0xA700);
        assert_eq!(failure_reason(0xA900), 0xA900);
        assert_eq!(failure_reason(0xC000), 0xC000);
        assert_eq!(failure_reason(0x0117), 0xC000);
        assert_eq!(failure_reason(0x0211), 0x0110);
    }

    #[test]
    fn not_dicom_is_not_understood_without_uids() {
        let out = identify(b"hello, not DICOM at all").err().expect("refused");
        assert_eq!(out, Outcome::failed(CANNOT_UNDERSTAND));
    }
}
