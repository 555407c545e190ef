//! Routing services for administrators: destinations, rules (validated with the same domain
//! code the browser runs, residency guard at enable time, versioned), preview of a draft rule
//! on recent studies, the transfers overview and job actions. Each change reloads the router
//! and wakes the workers.

use super::require_network as require;
use crate::db::rules::{self, RuleChange, StoredRule};
use crate::db::{routing as dests, transfers};
use crate::state::AppState;
use app::api::ApiError;
use domain::destination::{DestinationInput, DestinationView};
use domain::routing::{
    Draft, PiaRecord, Placed, PreviewRow, Rule, StudySample, preview_draft, residency_check,
    validate,
};
use domain::transfers::{DestinationQueue, QueueAction, Transfers};
use domain::views::SessionUser;
use domain::{ClinicId, Permission};
use serde::{Deserialize, Serialize};

async fn changed(state: &AppState) -> Result<(), ApiError> {
    state.router.reload(&state.db).await?;
    state
        .destinations_epoch
        .fetch_add(1, std::sync::atomic::Ordering::Release);
    state.wake.notify_one();
    Ok(())
}

pub async fn destinations(
    state: &AppState,
    user: &SessionUser,
) -> Result<Vec<DestinationView>, ApiError> {
    require(user)?;
    Ok(dests::list(&state.db).await?)
}

pub async fn save_destination(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: DestinationInput,
) -> Result<DestinationView, ApiError> {
    require(user)?;
    input
        .validate()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    let saved = dests::save(&state.db, id, &input).await?;
    changed(state).await?;
    Ok(saved)
}

pub async fn pause(
    state: &AppState,
    user: &SessionUser,
    id: i64,
    paused: bool,
) -> Result<(), ApiError> {
    require(user)?;
    dests::set_paused(&state.db, id, paused).await?;
    changed(state).await
}

/// Records a privacy-impact assessment (who: the caller, when: now); held jobs are released.
pub async fn record_pia(
    state: &AppState,
    user: &SessionUser,
    id: i64,
    reference: &str,
) -> Result<u64, ApiError> {
    require(user)?;
    let pia = PiaRecord {
        reference: reference.trim().to_owned(),
        recorded_by: user.username.to_string(),
        recorded_at: crate::db::now(),
    };
    let released = dests::record_pia(&state.db, id, &pia).await?;
    changed(state).await?;
    Ok(released)
}

/// A rule as submitted: where it applies (`clinic: None` for global) and its definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInput {
    pub clinic: Option<i64>,
    pub rule: Rule,
}

/// Checks a rule: the domain validation (all problems, one per line) and the residency guard
/// for an enabled rule.
async fn check(state: &AppState, rule: &Rule) -> Result<(), ApiError> {
    let all = dests::list(&state.db).await?;
    let known = |n: &str| all.iter().any(|d| d.name.as_str() == n);
    if let Err(errors) = validate(rule, &known) {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(ApiError::Invalid(text.join("\n")));
    }
    if rule.enabled {
        for d in all
            .iter()
            .filter(|d| rule.destinations.iter().any(|n| n == d.name.as_str()))
        {
            residency_check(d.jurisdiction, d.pia.as_ref())
                .map_err(|e| ApiError::Invalid(format!("{}: {e}", d.name)))?;
        }
    }
    Ok(())
}

pub async fn rules(state: &AppState, user: &SessionUser) -> Result<Vec<StoredRule>, ApiError> {
    require(user)?;
    Ok(rules::list(&state.db).await?)
}

pub async fn save_rule(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: RuleInput,
) -> Result<StoredRule, ApiError> {
    require(user)?;
    check(state, &input.rule).await?;
    let clinic = input.clinic.map(ClinicId);
    let saved = rules::save(&state.db, id, clinic, &input.rule, user.username.as_str()).await?;
    changed(state).await?;
    Ok(saved)
}

pub async fn delete_rule(state: &AppState, user: &SessionUser, id: i64) -> Result<(), ApiError> {
    require(user)?;
    rules::delete(&state.db, id, user.username.as_str()).await?;
    changed(state).await
}

pub async fn shift_rule(
    state: &AppState,
    user: &SessionUser,
    id: i64,
    up: bool,
) -> Result<(), ApiError> {
    require(user)?;
    rules::shift(&state.db, id, user.username.as_str(), up).await?;
    changed(state).await
}

pub async fn history(
    state: &AppState,
    user: &SessionUser,
    rule: Option<i64>,
) -> Result<Vec<RuleChange>, ApiError> {
    require(user)?;
    Ok(rules::history(&state.db, rule, 200).await?)
}

/// A draft to preview: replaces rule `replaces` (or is added at the end of its list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewInput {
    pub replaces: Option<i64>,
    pub clinic: Option<i64>,
    pub rule: Rule,
    #[serde(default = "default_samples")]
    pub studies: u64,
}

fn default_samples() -> u64 {
    50
}

/// What the last received studies of the clinic (or of all clinics for a global rule) would
/// have been sent where, with the current rules and with the draft.
pub async fn preview_rule(
    state: &AppState,
    user: &SessionUser,
    input: PreviewInput,
) -> Result<Vec<PreviewRow>, ApiError> {
    require(user)?;
    let stored = rules::list(&state.db).await?;
    let placed: Vec<Placed<'_>> = stored.iter().map(|r| r.placed()).collect();
    let draft = Draft {
        rule: &input.rule,
        clinic: input.clinic,
        replaces: input.replaces,
    };
    let limit = input.studies.min(500);
    let samples = rules::samples(&state.db, input.clinic.map(ClinicId), limit).await?;
    Ok(preview_draft(&placed, draft, &samples))
}

/// The transfers overview: administrators see every job; clinic staff and radiologists the
/// jobs of their clinics (read only).
pub async fn overview(state: &AppState, user: &SessionUser) -> Result<Transfers, ApiError> {
    if !(user.role.can(Permission::ManageNetwork) || user.role.can(Permission::ViewStudies)) {
        return Err(ApiError::Forbidden);
    }
    let scope = user.scope();
    let mut queues: Vec<DestinationQueue> = dests::list(&state.db)
        .await?
        .into_iter()
        .map(|d| DestinationQueue {
            destination_id: d.id,
            name: d.name.to_string(),
            enabled: d.enabled,
            paused: d.paused,
            ..Default::default()
        })
        .collect();
    transfers::fill_counts(&state.db, &scope, &mut queues).await?;
    Ok(Transfers {
        destinations: queues,
        studies: transfers::in_progress(&state.db, &scope, 50).await?,
        dead_letters: transfers::dead_letters(&state.db, &scope, None, 100).await?,
    })
}

pub async fn retry(
    state: &AppState,
    user: &SessionUser,
    job: Option<i64>,
    destination: Option<i64>,
) -> Result<u64, ApiError> {
    require(user)?;
    let n = transfers::retry(&state.db, job, destination).await?;
    state.wake.notify_one();
    Ok(n)
}

/// One operator action on the queue or a destination; returns how many jobs it touched.
pub async fn queue_action(
    state: &AppState,
    user: &SessionUser,
    action: QueueAction,
) -> Result<u64, ApiError> {
    match action {
        QueueAction::Retry(job) => retry(state, user, Some(job), None).await,
        QueueAction::RetryDead(dest) => retry(state, user, None, Some(dest)).await,
        QueueAction::Cancel(job) => cancel(state, user, job).await.map(|()| 1),
        QueueAction::Pause(dest) => pause(state, user, dest, true).await.map(|()| 0),
        QueueAction::Resume(dest) => pause(state, user, dest, false).await.map(|()| 0),
    }
}

/// The routing facts of the last received studies (of `clinic`, or all), for previews run in
/// the browser.
pub async fn samples(
    state: &AppState,
    user: &SessionUser,
    clinic: Option<i64>,
) -> Result<Vec<(i64, Vec<StudySample>)>, ApiError> {
    require(user)?;
    Ok(rules::samples(&state.db, clinic.map(ClinicId), 50).await?)
}

pub async fn cancel(state: &AppState, user: &SessionUser, job: i64) -> Result<(), ApiError> {
    require(user)?;
    if transfers::cancel(&state.db, job, user.username.as_str()).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}
