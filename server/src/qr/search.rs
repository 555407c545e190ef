//! Searches over the PACS of a clinic: every PACS at once, each within its own deadline, so one
//! PACS that fails or is slow shows its error beside the others' results. Patient Root asks
//! for the matching patients first, then each patient's studies (hierarchical search,
//! PS3.4 §C.4.1.2.1).

use crate::dimse::qr::find::{FindLimits, FindSession};
use crate::dimse::qr::{QrError, find_class, identifier};
use crate::dimse::scu::Peer;
use dicom_dictionary_std::tags;
use domain::query::{
    DrillDownResult, InfoModel, NodeOutcome, SourceRef, StudyHit, StudySearch, instance_keys,
    patient_keys, series_keys, study_keys,
};
use domain::views::RemoteNodeView;
use std::time::Instant;
use tokio::time::timeout;

/// Most patients whose studies a Patient Root search lists.
const MAX_PATIENTS: usize = 50;

pub fn peer(node: &RemoteNodeView) -> Peer {
    Peer {
        ae_title: node.ae_title.to_string(),
        host: node.host.to_string(),
        port: node.port.get(),
        tls: node.tls,
    }
}

/// One PACS: its outcome line and its studies.
pub async fn search_node(
    calling: &str,
    node: &RemoteNodeView,
    model: InfoModel,
    keys: &StudySearch,
    limits: FindLimits,
) -> (NodeOutcome, Vec<StudyHit>) {
    let start = Instant::now();
    let result = timeout(limits.timeout, studies(calling, node, model, keys, limits))
        .await
        .unwrap_or(Err(QrError::Timeout(limits.timeout)));
    let elapsed_ms = start.elapsed().as_millis() as u64;
    let (hits, error) = match result {
        Ok((hits, truncated)) => {
            let note = truncated.then(|| format!("only the first {} results", limits.max_results));
            (hits, note)
        }
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let outcome = NodeOutcome {
        node_id: node.id,
        node_name: node.name.clone(),
        count: hits.len(),
        elapsed_ms,
        error,
    };
    let source = SourceRef {
        node_id: node.id,
        node_name: node.name.clone(),
    };
    let hits = hits
        .into_iter()
        .map(|mut h| {
            h.sources = vec![source.clone()];
            h
        })
        .collect();
    (outcome, hits)
}

async fn studies(
    calling: &str,
    node: &RemoteNodeView,
    model: InfoModel,
    keys: &StudySearch,
    limits: FindLimits,
) -> Result<(Vec<StudyHit>, bool), QrError> {
    let mut s = FindSession::open(calling, &peer(node), model, limits).await?;
    let class = find_class(model);
    let result = match model {
        InfoModel::StudyRoot => s
            .find(class, &study_keys(keys, model, None))
            .await
            .map(|f| {
                (
                    f.rows.iter().map(identifier::study_hit).collect(),
                    f.truncated,
                )
            }),
        InfoModel::PatientRoot => patient_root(&mut s, class, keys, limits).await,
    };
    s.close().await;
    result
}

async fn patient_root(
    s: &mut FindSession,
    class: &str,
    keys: &StudySearch,
    limits: FindLimits,
) -> Result<(Vec<StudyHit>, bool), QrError> {
    let patients = s.find(class, &patient_keys(keys)).await?;
    let mut truncated = patients.truncated || patients.rows.len() > MAX_PATIENTS;
    let mut hits = Vec::new();
    for p in patients.rows.iter().take(MAX_PATIENTS) {
        let pid = identifier::text(p, tags::PATIENT_ID);
        let found = s
            .find(class, &study_keys(keys, InfoModel::PatientRoot, Some(&pid)))
            .await?;
        truncated |= found.truncated;
        for row in &found.rows {
            let mut h = identifier::study_hit(row);
            h.patient_id = pid.clone();
            h.patient_name = identifier::text(p, tags::PATIENT_NAME);
            h.birth_date = identifier::text(p, tags::PATIENT_BIRTH_DATE);
            hits.push(h);
        }
        if hits.len() >= limits.max_results {
            truncated = true;
            break;
        }
    }
    Ok((hits, truncated))
}

/// The series of a study, or the instances of one series, on one PACS.
pub async fn drill(
    calling: &str,
    node: &RemoteNodeView,
    model: InfoModel,
    patient_id: &str,
    study_uid: &str,
    series_uid: Option<&str>,
    limits: FindLimits,
) -> Result<DrillDownResult, QrError> {
    let work = async {
        let mut s = FindSession::open(calling, &peer(node), model, limits).await?;
        let class = find_class(model);
        let mut out = DrillDownResult::default();
        let r = match series_uid {
            None => s
                .find(class, &series_keys(model, patient_id, study_uid))
                .await
                .map(|f| {
                    out.series = f.rows.iter().map(identifier::series_hit).collect();
                    out.series.sort_by_key(|h| {
                        (
                            h.number.trim().parse::<i64>().unwrap_or(i64::MAX),
                            h.series_uid.clone(),
                        )
                    });
                }),
            Some(series) => s
                .find(class, &instance_keys(model, patient_id, study_uid, series))
                .await
                .map(|f| {
                    out.instances = f.rows.iter().map(identifier::instance_hit).collect();
                    out.instances.sort_by_key(|h| {
                        (
                            h.number.trim().parse::<i64>().unwrap_or(i64::MAX),
                            h.sop_uid.clone(),
                        )
                    });
                }),
        };
        s.close().await;
        r.map(|()| out)
    };
    timeout(limits.timeout, work)
        .await
        .unwrap_or(Err(QrError::Timeout(limits.timeout)))
}
