//! The audit trail page's service: the latest events of the administrator's clinics, each with
//! a one-line subject taken from its recorded detail.

use crate::db::audit::{self, AuditEvent};
use crate::state::AppState;
use app::api::ApiError;
use domain::Permission;
use domain::views::{AUDIT_ACTIONS, AuditRow, SessionUser};
use serde_json::Value;

/// Rows shown at most (the JSON API `GET /api/v1/audit` gives the same).
const LIMIT: u64 = 500;

/// What an event was about: the study, the DICOMweb request, or the keys sent to a PACS.
fn subject(detail: &str) -> String {
    let v: Value = serde_json::from_str(detail).unwrap_or_default();
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let s = text("study")
        .or_else(|| text("request"))
        .or_else(|| v.get("keys").map(Value::to_string))
        .unwrap_or_else(|| detail.to_owned());
    s.chars().take(300).collect()
}

/// The latest events of the administrator's clinics, optionally of one action (the page and
/// `GET /api/v1/audit`, which shows them with their whole detail).
pub async fn events(
    state: &AppState,
    user: &SessionUser,
    action: Option<&str>,
) -> Result<Vec<AuditEvent>, ApiError> {
    if !user.role.can(Permission::ManageNetwork) {
        return Err(ApiError::Forbidden);
    }
    Ok(audit::list(&state.db, &user.scope(), action, LIMIT).await?)
}

/// The audit page's rows: [`events`] of a known action (or all), each with its subject.
pub async fn list(
    state: &AppState,
    user: &SessionUser,
    action: Option<String>,
) -> Result<Vec<AuditRow>, ApiError> {
    let action = action.filter(|a| !a.is_empty());
    if action
        .as_deref()
        .is_some_and(|a| !AUDIT_ACTIONS.contains(&a))
    {
        return Err(ApiError::Invalid("unknown audit action".into()));
    }
    let rows = events(state, user, action.as_deref()).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            id: r.id,
            at_ms: r.at,
            subject: subject(&r.detail),
            actor: r.actor,
            clinic_id: r.clinic_id,
            action: r.action,
            outcome: r.outcome,
            result_count: r.result_count,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn the_subject_is_the_study_the_request_or_the_keys() {
        assert_eq!(subject(r#"{"study":"1.2.3","request":"/x"}"#), "1.2.3");
        assert_eq!(
            subject(r#"{"request":"/dicomweb/studies?PatientID=1"}"#),
            "/dicomweb/studies?PatientID=1"
        );
        assert_eq!(
            subject(r#"{"keys":{"patient_name":"A*"}}"#),
            r#"{"patient_name":"A*"}"#
        );
        assert_eq!(subject("not json"), "not json");
    }
}
