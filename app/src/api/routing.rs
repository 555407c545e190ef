//! Server functions of routing: the transfers overview and queue actions, destinations, rules
//! and the samples a rule preview runs on (the preview itself runs in the browser with the
//! domain code the server uses).

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::destination::{DestinationInput, DestinationView};
use domain::routing::{Rule, StudySample};
use domain::transfers::{QueueAction, RuleAction, RuleChange, RuleView, Transfers};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Queues, studies in progress and dead letters (administrators).
#[server(endpoint = "transfers")]
pub async fn load_transfers() -> Result<Transfers, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.transfers(&user).await.map_err(ssr::fail)
}

/// Retry, cancel, pause, resume (administrators); returns how many jobs it touched.
#[server(endpoint = "queue_action", input = Json)]
pub async fn run_queue_action(action: QueueAction) -> Result<u64, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.queue_action(&user, action).await.map_err(ssr::fail)
}

#[server(endpoint = "destinations")]
pub async fn list_destinations() -> Result<Vec<DestinationView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.destinations(&user).await.map_err(ssr::fail)
}

/// Creates or updates a destination; a blank secret keeps the stored one.
#[server(endpoint = "save_destination", input = Json)]
pub async fn save_destination(
    id: Option<i64>,
    input: DestinationInput,
) -> Result<DestinationView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_destination(&user, id, input)
        .await
        .map_err(ssr::fail)
}

/// Records the privacy-impact assessment of a destination (releases held jobs).
#[server(endpoint = "record_pia", input = Json)]
pub async fn record_pia(id: i64, reference: String) -> Result<u64, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.record_pia(&user, id, &reference)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "rules")]
pub async fn list_rules() -> Result<Vec<RuleView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.rules(&user).await.map_err(ssr::fail)
}

/// Creates or updates a rule (validated; versioned).
#[server(endpoint = "save_rule", input = Json)]
pub async fn save_rule(
    id: Option<i64>,
    clinic: Option<i64>,
    rule: Rule,
) -> Result<RuleView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_rule(&user, id, clinic, rule)
        .await
        .map_err(ssr::fail)
}

#[server(endpoint = "rule_action", input = Json)]
pub async fn apply_rule_action(id: i64, action: RuleAction) -> Result<(), ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.rule_action(&user, id, action).await.map_err(ssr::fail)
}

/// The routing facts of recently received studies, by clinic, for previews.
#[server(endpoint = "preview_samples", input = Json)]
pub async fn preview_samples(
    clinic: Option<i64>,
) -> Result<Vec<(i64, Vec<StudySample>)>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.preview_samples(&user, clinic).await.map_err(ssr::fail)
}

/// The recorded changes of one rule, newest first (administrators).
#[server(endpoint = "rule_history")]
pub async fn rule_history(id: i64) -> Result<Vec<RuleChange>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.rule_history(&user, id).await.map_err(ssr::fail)
}
