//! Results of a search over several PACS: one row per Study Instance UID with every PACS that
//! has it, plus what each PACS answered (count, time or error) so one failing PACS never hides
//! the others' results.

use serde::{Deserialize, Serialize};

/// A PACS a result came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub node_id: i64,
    pub node_name: String,
}

/// One study as a PACS described it (C-FIND STUDY level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyHit {
    pub study_uid: String,
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    pub study_date: String,
    pub study_time: String,
    pub accession: String,
    pub description: String,
    pub modalities: Vec<String>,
    pub series_count: Option<u32>,
    pub instance_count: Option<u32>,
    pub sources: Vec<SourceRef>,
}

/// One series (C-FIND SERIES level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesHit {
    pub series_uid: String,
    pub modality: String,
    pub number: String,
    pub description: String,
    pub instance_count: Option<u32>,
}

/// One instance (C-FIND IMAGE level).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceHit {
    pub sop_uid: String,
    pub sop_class: String,
    pub number: String,
}

/// What one PACS answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeOutcome {
    pub node_id: i64,
    pub node_name: String,
    pub count: usize,
    pub elapsed_ms: u64,
    /// Why this PACS gave no (or partial) results; the others are still shown.
    pub error: Option<String>,
}

/// A whole search: merged studies, newest first, and each PACS's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOutcome {
    pub studies: Vec<StudyHit>,
    pub nodes: Vec<NodeOutcome>,
}

fn fill(into: &mut String, from: &str) {
    if into.trim().is_empty() && !from.trim().is_empty() {
        *into = from.to_owned();
    }
}

/// Merges per-PACS answers by Study Instance UID: the first PACS's values win, missing values
/// and modalities are completed from the others, every PACS is listed as a source. Rows
/// without a Study Instance UID cannot be retrieved and are dropped. Sorted newest first.
pub fn merge(answers: Vec<(SourceRef, Vec<StudyHit>)>) -> Vec<StudyHit> {
    let mut out: Vec<StudyHit> = Vec::new();
    for (source, hits) in answers {
        for hit in hits.into_iter().filter(|h| !h.study_uid.trim().is_empty()) {
            match out.iter_mut().find(|h| h.study_uid == hit.study_uid) {
                Some(row) => absorb(row, hit, &source),
                None => {
                    let mut row = StudyHit {
                        sources: Vec::new(),
                        ..hit
                    };
                    row.sources.push(source.clone());
                    out.push(row);
                }
            }
        }
    }
    out.sort_by(|a, b| {
        (&b.study_date, &b.study_time, &a.study_uid).cmp(&(
            &a.study_date,
            &a.study_time,
            &b.study_uid,
        ))
    });
    out
}

fn absorb(row: &mut StudyHit, hit: StudyHit, source: &SourceRef) {
    fill(&mut row.patient_name, &hit.patient_name);
    fill(&mut row.patient_id, &hit.patient_id);
    fill(&mut row.birth_date, &hit.birth_date);
    fill(&mut row.study_date, &hit.study_date);
    fill(&mut row.study_time, &hit.study_time);
    fill(&mut row.accession, &hit.accession);
    fill(&mut row.description, &hit.description);
    for m in hit.modalities {
        if !row.modalities.contains(&m) {
            row.modalities.push(m);
        }
    }
    row.series_count = row.series_count.max(hit.series_count);
    row.instance_count = row.instance_count.max(hit.instance_count);
    if !row.sources.iter().any(|s| s.node_id == source.node_id) {
        row.sources.push(source.clone());
    }
}
