//! Server function of the audit trail page: the latest events, optionally of one action.

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::views::AuditRow;
use leptos::prelude::*;

/// The latest audit events of the caller's clinics (administrators).
#[server(endpoint = "list_audit")]
pub async fn list_audit(action: Option<String>) -> Result<Vec<AuditRow>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.audit(&user, action).await.map_err(ssr::fail)
}
