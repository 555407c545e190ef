//! A cache of study and series ids for the ingest transaction.

use super::index::NewInstance;

/// Ids of recently seen patients, studies and series, so that the instances of one study cost
/// one insert and two counter updates instead of re-resolving their parents every time.
#[derive(Debug, Default)]
pub struct IdCache {
    inner: std::sync::Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    /// (clinic, study UID) → (study id, modalities)
    studies: std::collections::HashMap<(i64, String), (i64, String)>,
    /// (study id, series UID) → series id
    series: std::collections::HashMap<(i64, String), i64>,
}

const CACHE_LIMIT: usize = 20_000;

impl IdCache {
    pub(super) fn get(&self, n: &NewInstance<'_>) -> Option<(i64, String, i64)> {
        let ids = self.inner.lock().ok()?;
        let (study, modalities) = ids.studies.get(&study_key(n))?.clone();
        let series = *ids.series.get(&(study, n.attrs.series_uid.clone()))?;
        Some((study, modalities, series))
    }

    /// Whether the study of `n` is known (its series may not be).
    pub(super) fn knows_study(&self, n: &NewInstance<'_>) -> bool {
        self.inner
            .lock()
            .is_ok_and(|ids| ids.studies.contains_key(&study_key(n)))
    }

    pub(super) fn put(&self, n: &NewInstance<'_>, study: i64, modalities: String, series: i64) {
        if let Ok(mut ids) = self.inner.lock() {
            if ids.studies.len() > CACHE_LIMIT || ids.series.len() > CACHE_LIMIT {
                ids.studies.clear();
                ids.series.clear();
            }
            ids.studies.insert(study_key(n), (study, modalities));
            ids.series
                .insert((study, n.attrs.series_uid.clone()), series);
        }
    }

    /// Forgets everything (after a failed transaction, in case a cached row went away).
    pub fn clear(&self) {
        if let Ok(mut ids) = self.inner.lock() {
            ids.studies.clear();
            ids.series.clear();
        }
    }
}

/// The key of `n`'s study: (clinic, Study Instance UID).
fn study_key(n: &NewInstance<'_>) -> (i64, String) {
    (n.clinic.0, n.attrs.study_uid.clone())
}
