//! The audit trail of DICOMweb access (Law 25: who consulted which patient's images, and when):
//! every authenticated `/dicomweb` request is classified — search (QIDO-RS, PS3.18 §10.6),
//! retrieve (WADO-RS, §10.4) or store (STOW-RS, §10.5) — and recorded in `audit_events` with
//! the caller, the study, the clinic and the outcome. A viewer asks for a study's frames one by
//! one, so the same caller's access to the same study (or the same search) is recorded once per
//! window rather than once per request; every STOW-RS request is its own row.

use super::Caller;
use crate::db::audit::{self, Record};
use crate::db::index_entities::study;
use domain::Scope;
use http::{Method, StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Repeated access within this window is covered by the first row.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Entries kept before the expired ones are pruned.
const PRUNE_AT: usize = 10_000;

/// The kind of a `/dicomweb` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Query,
    Retrieve,
    Store,
}

impl Action {
    /// `audit_events.action` (see `domain::views::AUDIT_ACTIONS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Query => "dicomweb_query",
            Action::Retrieve => "dicomweb_retrieve",
            Action::Store => "dicomweb_store",
        }
    }
}

/// What a `/dicomweb` request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub action: Action,
    /// The study in the path, if any.
    pub study: Option<String>,
}

/// Classifies a request by its method and path (relative to `/dicomweb` or not).
pub fn classify(method: &Method, path: &str) -> Option<Access> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segs
        .iter()
        .position(|s| matches!(*s, "studies" | "series" | "instances"))?;
    let rest = &segs[at..];
    let study = (rest[0] == "studies").then(|| rest.get(1)).flatten();
    let study = study.map(|s| (*s).to_owned());
    let action = if *method == Method::POST {
        Action::Store
    } else if !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    } else if is_search(rest) {
        Action::Query
    } else {
        Action::Retrieve
    };
    Some(Access { action, study })
}

/// `studies`, `series`, `instances`, `studies/{st}/series`, `studies/{st}/instances`,
/// `studies/{st}/series/{se}/instances` (PS3.18 §10.6.1.2, Table 10.6.1-1).
fn is_search(rest: &[&str]) -> bool {
    matches!(
        rest,
        [_] | ["studies", _, "series" | "instances"] | ["studies", _, "series", _, "instances"]
    )
}

/// Remembers what was recorded recently, to record each access once per [`WINDOW`].
#[derive(Default)]
pub struct AccessLog {
    seen: Mutex<HashMap<String, Instant>>,
}

impl AccessLog {
    /// Whether `key` was not recorded within the window (and marks it recorded now).
    fn first_in_window(&self, key: String) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.seen.lock() else {
            return true;
        };
        if seen.len() >= PRUNE_AT {
            seen.retain(|_, at| now.duration_since(*at) < WINDOW);
        }
        match seen.get(&key) {
            Some(at) if now.duration_since(*at) < WINDOW => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }

    /// Records the request in the audit trail unless the same access was recorded recently.
    /// A failure to record is logged; the answer already given is not changed.
    pub async fn record(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        method: &Method,
        path_and_query: &str,
        status: StatusCode,
    ) {
        let path = path_and_query.split('?').next().unwrap_or_default();
        let Some(access) = classify(method, path) else {
            return;
        };
        let outcome = outcome(status);
        let what = match (&access.study, access.action) {
            (Some(st), Action::Retrieve) => st.clone(),
            _ => path_and_query.to_owned(),
        };
        let action = access.action.as_str();
        let key = format!("{}|{action}|{outcome}|{what}", caller.actor);
        // Each upload is its own event; reads of the same thing are grouped per window.
        if access.action != Action::Store && !self.first_in_window(key) {
            return;
        }
        let clinic_id = clinic_of(db, &caller.scope, access.study.as_deref()).await;
        let detail = serde_json::json!({
            "method": method.as_str(),
            "request": path_and_query.chars().take(2000).collect::<String>(),
            "study": access.study,
            "status": status.as_u16(),
            "window_minutes": WINDOW.as_secs() / 60,
        });
        let r = Record {
            actor: &caller.actor,
            clinic_id,
            action,
            node_id: None,
            detail,
            outcome,
            result_count: None,
        };
        if let Err(e) = audit::record(db, r).await {
            tracing::error!(error = %e, "could not record a DICOMweb access in the audit trail");
        }
    }
}

fn outcome(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=299 => "ok",
        400..=499 => "refused",
        _ => "failed",
    }
}

/// The clinic the access concerns: the study's (within the caller's clinics), else the
/// caller's only clinic, else none (a search over several clinics).
async fn clinic_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    study_uid: Option<&str>,
) -> Option<i64> {
    if let Some(uid) = study_uid {
        let mut q = study::Entity::find().filter(study::Column::StudyUid.eq(uid));
        if let Some(ids) = scope.clinic_ids() {
            q = q.filter(study::Column::ClinicId.is_in(ids));
        }
        let found: Option<i64> = q
            .select_only()
            .column(study::Column::ClinicId)
            .into_tuple()
            .one(db)
            .await
            .ok()
            .flatten();
        if found.is_some() {
            return found;
        }
    }
    match scope {
        Scope::Clinics(set) if set.len() == 1 => set.iter().next().map(|c| c.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(method: Method, path: &str) -> Option<(&'static str, Option<String>)> {
        classify(&method, path).map(|a| (a.action.as_str(), a.study))
    }

    #[test]
    fn requests_are_classified_by_resource() {
        let st = Some("1.2.3".to_owned());
        assert_eq!(
            c(Method::GET, "/dicomweb/studies"),
            Some(("dicomweb_query", None))
        );
        assert_eq!(c(Method::GET, "/series"), Some(("dicomweb_query", None)));
        assert_eq!(
            c(Method::GET, "/dicomweb/studies/1.2.3/series"),
            Some(("dicomweb_query", st.clone()))
        );
        assert_eq!(
            c(Method::GET, "/studies/1.2.3/series/4/instances"),
            Some(("dicomweb_query", st.clone()))
        );
        for p in [
            "/dicomweb/studies/1.2.3",
            "/dicomweb/studies/1.2.3/metadata",
            "/dicomweb/studies/1.2.3/series/4/metadata",
            "/dicomweb/studies/1.2.3/series/4/instances/5/frames/1",
            "/dicomweb/studies/1.2.3/series/4/instances/5/thumbnail",
        ] {
            assert_eq!(
                c(Method::GET, p),
                Some(("dicomweb_retrieve", st.clone())),
                "{p}"
            );
        }
        assert_eq!(
            c(Method::POST, "/dicomweb/studies"),
            Some(("dicomweb_store", None))
        );
        assert_eq!(
            c(Method::POST, "/dicomweb/studies/1.2.3"),
            Some(("dicomweb_store", st))
        );
        assert_eq!(c(Method::OPTIONS, "/dicomweb/studies"), None);
        assert_eq!(c(Method::GET, "/dicomweb/other"), None);
    }

    #[test]
    fn every_action_is_one_the_audit_page_filters_on() {
        for a in [Action::Query, Action::Retrieve, Action::Store] {
            assert!(domain::views::AUDIT_ACTIONS.contains(&a.as_str()), "{a:?}");
        }
    }

    #[test]
    fn the_same_access_is_recorded_once_per_window() {
        let log = AccessLog::default();
        assert!(log.first_in_window("a".into()));
        assert!(!log.first_in_window("a".into()));
        assert!(log.first_in_window("b".into()));
    }
}
