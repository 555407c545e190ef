//! Which storage SOP classes a C-GET proposes (Passerelle takes the SCP role for each, PS3.4
//! §C.4.3.1; at most 128 presentation contexts, PS3.8 §9.3.2.2): the classes the PACS reports for
//! the study's instances (IMAGE-level C-FIND), then the common ones.

use crate::dimse::qr::find::{FindLimits, FindSession};
use crate::dimse::qr::{find_class, identifier};
use crate::dimse::scu::Peer;
use dicom_dictionary_std::tags;
use domain::query::{InfoModel, instance_keys, series_keys};

/// Frequent storage classes (PS3.4 Annex B.5), offered when the study's own are unknown.
pub const COMMON: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.2",        // CT
    "1.2.840.10008.5.1.4.1.1.2.1",      // Enhanced CT
    "1.2.840.10008.5.1.4.1.1.4",        // MR
    "1.2.840.10008.5.1.4.1.1.4.1",      // Enhanced MR
    "1.2.840.10008.5.1.4.1.1.1",        // CR
    "1.2.840.10008.5.1.4.1.1.1.1",      // DX for presentation
    "1.2.840.10008.5.1.4.1.1.1.1.1",    // DX for processing
    "1.2.840.10008.5.1.4.1.1.1.2",      // MG for presentation
    "1.2.840.10008.5.1.4.1.1.1.2.1",    // MG for processing
    "1.2.840.10008.5.1.4.1.1.13.1.3",   // Breast tomosynthesis
    "1.2.840.10008.5.1.4.1.1.6.1",      // US
    "1.2.840.10008.5.1.4.1.1.3.1",      // US multi-frame
    "1.2.840.10008.5.1.4.1.1.7",        // Secondary capture
    "1.2.840.10008.5.1.4.1.1.7.2",      // Multi-frame grayscale byte SC
    "1.2.840.10008.5.1.4.1.1.7.4",      // Multi-frame true colour SC
    "1.2.840.10008.5.1.4.1.1.20",       // NM
    "1.2.840.10008.5.1.4.1.1.128",      // PET
    "1.2.840.10008.5.1.4.1.1.130",      // Enhanced PET
    "1.2.840.10008.5.1.4.1.1.12.1",     // XA
    "1.2.840.10008.5.1.4.1.1.12.2",     // RF
    "1.2.840.10008.5.1.4.1.1.481.1",    // RT image
    "1.2.840.10008.5.1.4.1.1.481.2",    // RT dose
    "1.2.840.10008.5.1.4.1.1.481.3",    // RT structure set
    "1.2.840.10008.5.1.4.1.1.481.5",    // RT plan
    "1.2.840.10008.5.1.4.1.1.88.11",    // Basic text SR
    "1.2.840.10008.5.1.4.1.1.88.22",    // Enhanced SR
    "1.2.840.10008.5.1.4.1.1.88.33",    // Comprehensive SR
    "1.2.840.10008.5.1.4.1.1.88.67",    // X-ray radiation dose SR
    "1.2.840.10008.5.1.4.1.1.88.59",    // Key object selection
    "1.2.840.10008.5.1.4.1.1.104.1",    // Encapsulated PDF
    "1.2.840.10008.5.1.4.1.1.77.1.4",   // VL photographic
    "1.2.840.10008.5.1.4.1.1.11.1",     // Grayscale softcopy presentation state
    "1.2.840.10008.5.1.4.1.1.66.4",     // Segmentation
    "1.2.840.10008.5.1.4.1.1.77.1.5.1", // Ophthalmic photography 8 bit
];

const MAX_SERIES: usize = 20;
/// Two presentation contexts per class (uncompressed, encapsulated), one for C-GET itself.
const MAX_CLASSES: usize = 63;

/// The study's classes as the PACS reports them, then the common ones, deduplicated.
pub async fn for_study(
    calling: &str,
    peer: &Peer,
    model: InfoModel,
    patient_id: &str,
    study_uid: &str,
    series_uids: &[String],
    limits: FindLimits,
) -> Vec<String> {
    let mut classes: Vec<String> = reported(
        calling,
        peer,
        model,
        patient_id,
        study_uid,
        series_uids,
        limits,
    )
    .await
    .unwrap_or_default();
    for c in COMMON {
        if !classes.iter().any(|x| x == c) {
            classes.push((*c).to_owned());
        }
    }
    classes.truncate(MAX_CLASSES);
    classes
}

async fn reported(
    calling: &str,
    peer: &Peer,
    model: InfoModel,
    patient_id: &str,
    study_uid: &str,
    series_uids: &[String],
    limits: FindLimits,
) -> Option<Vec<String>> {
    let mut s = FindSession::open(calling, peer, model, limits).await.ok()?;
    let class = find_class(model);
    let series: Vec<String> = if series_uids.is_empty() {
        let found = s
            .find(class, &series_keys(model, patient_id, study_uid))
            .await
            .ok()?;
        found
            .rows
            .iter()
            .map(|r| identifier::text(r, tags::SERIES_INSTANCE_UID))
            .collect()
    } else {
        series_uids.to_vec()
    };
    let mut classes: Vec<String> = Vec::new();
    for se in series.iter().take(MAX_SERIES) {
        let Ok(found) = s
            .find(class, &instance_keys(model, patient_id, study_uid, se))
            .await
        else {
            continue;
        };
        for r in &found.rows {
            let c = identifier::text(r, tags::SOP_CLASS_UID);
            if !c.is_empty() && !classes.contains(&c) {
                classes.push(c);
            }
        }
    }
    s.close().await;
    Some(classes)
}
