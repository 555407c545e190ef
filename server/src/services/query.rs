//! Query / retrieve services behind the UI and the JSON API: permission, the caller's clinic
//! scope (a PACS of another clinic is never queried), validation, audit of every query and
//! retrieve (who, which PACS, which keys, how many results), and retrieve jobs.

use super::require;
use crate::db::retrieves::{self, NewRetrieve};
use crate::db::{audit, network};
use crate::dimse::qr::find::FindLimits;
use crate::qr::{self, QrServiceError, search};
use crate::state::AppState;
use app::api::ApiError;
use domain::query::{
    DrillDown, DrillDownResult, PacsSearch, RetrieveMethod, RetrieveRequest, RetrieveView,
    SearchOutcome, merge,
};
use domain::views::{RemoteNodeView, SessionUser};
use domain::{ClinicId, NodeRole, Permission};
use futures_util::future::join_all;
use serde_json::json;
use std::time::Duration;

impl From<QrServiceError> for ApiError {
    fn from(e: QrServiceError) -> Self {
        match e {
            QrServiceError::Repo(r) => r.into(),
            other => ApiError::Invalid(other.to_string()),
        }
    }
}

fn invalid(e: domain::query::QueryError) -> ApiError {
    ApiError::Invalid(e.to_string())
}

fn limits(state: &AppState) -> FindLimits {
    let q = &state.config.query;
    FindLimits {
        timeout: Duration::from_secs(u64::from(q.timeout_seconds.max(1))),
        max_results: q.max_results.max(1) as usize,
    }
}

/// Nodes of the caller's clinics (PACS to search, VNAs as move destinations).
pub async fn nodes(state: &AppState, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError> {
    require(user, Permission::QueryRetrieve)?;
    Ok(network::nodes(&state.db, &user.scope()).await?)
}

/// The PACS of `clinic` the caller may query: the clinic must be in scope (else 403).
async fn clinic_pacs(
    state: &AppState,
    user: &SessionUser,
    clinic: i64,
) -> Result<Vec<RemoteNodeView>, ApiError> {
    require(user, Permission::QueryRetrieve)?;
    if !user.scope().allows(ClinicId(clinic)) {
        return Err(ApiError::Forbidden);
    }
    let all = network::nodes(&state.db, &user.scope()).await?;
    Ok(all
        .into_iter()
        .filter(|n| n.role == NodeRole::Pacs && n.clinics.contains(&ClinicId(clinic)))
        .collect())
}

async fn one_pacs(
    state: &AppState,
    user: &SessionUser,
    clinic: i64,
    node: i64,
) -> Result<RemoteNodeView, ApiError> {
    clinic_pacs(state, user, clinic)
        .await?
        .into_iter()
        .find(|n| n.id == node)
        .ok_or(ApiError::Forbidden)
}

pub async fn search_pacs(
    state: &AppState,
    user: &SessionUser,
    s: PacsSearch,
) -> Result<SearchOutcome, ApiError> {
    s.keys.validate().map_err(invalid)?;
    if s.keys.is_empty() {
        return Err(ApiError::Invalid("give at least one search key".into()));
    }
    let pacs = clinic_pacs(state, user, s.clinic).await?;
    let chosen: Vec<RemoteNodeView> = if s.nodes.is_empty() {
        pacs
    } else {
        s.nodes
            .iter()
            .map(|id| {
                pacs.iter()
                    .find(|n| n.id == *id)
                    .cloned()
                    .ok_or(ApiError::Forbidden)
            })
            .collect::<Result<_, _>>()?
    };
    if chosen.is_empty() {
        return Err(ApiError::Invalid(
            "this clinic has no PACS to search".into(),
        ));
    }
    let calling = qr::local_ae(&state.db, ClinicId(s.clinic)).await?;
    let lim = limits(state);
    let answers = join_all(
        chosen
            .iter()
            .map(|n| search::search_node(&calling, n, s.model, &s.keys, lim)),
    )
    .await;
    let mut outcome = SearchOutcome::default();
    let mut per_node = Vec::new();
    for (o, hits) in answers {
        audit_query(state, user, s.clinic, &s, &o).await;
        per_node.push((
            domain::query::SourceRef {
                node_id: o.node_id,
                node_name: o.node_name.clone(),
            },
            hits,
        ));
        outcome.nodes.push(o);
    }
    outcome.studies = merge(per_node);
    Ok(outcome)
}

async fn audit_query(
    state: &AppState,
    user: &SessionUser,
    clinic: i64,
    s: &PacsSearch,
    o: &domain::query::NodeOutcome,
) {
    let r = audit::Record {
        actor: user.username.as_str(),
        clinic_id: Some(clinic),
        action: "query",
        node_id: Some(o.node_id),
        detail: json!({ "model": s.model.as_str(), "keys": s.keys, "error": o.error }),
        outcome: if o.error.is_some() && o.count == 0 {
            "failure"
        } else {
            "success"
        },
        result_count: Some(o.count),
    };
    if let Err(e) = audit::record(&state.db, r).await {
        tracing::error!(error = %e, "cannot audit a query");
    }
}

pub async fn drill_down(
    state: &AppState,
    user: &SessionUser,
    q: DrillDown,
) -> Result<DrillDownResult, ApiError> {
    let uids = std::iter::once(&q.study_uid).chain(q.series_uid.as_ref());
    if let Some(bad) = uids.into_iter().find(|u| !domain::query::is_uid(u)) {
        return Err(invalid(domain::query::QueryError::Uid(bad.clone())));
    }
    let node = one_pacs(state, user, q.clinic, q.node_id).await?;
    let calling = qr::local_ae(&state.db, ClinicId(q.clinic)).await?;
    let r = search::drill(
        &calling,
        &node,
        q.model,
        &q.patient_id,
        &q.study_uid,
        q.series_uid.as_deref(),
        limits(state),
    )
    .await;
    let count = r.as_ref().map(|d| d.series.len() + d.instances.len()).ok();
    let rec = audit::Record {
        actor: user.username.as_str(),
        clinic_id: Some(q.clinic),
        action: "query",
        node_id: Some(node.id),
        detail: json!({ "model": q.model.as_str(), "study": q.study_uid, "series": q.series_uid,
            "error": r.as_ref().err().map(|e| e.to_string()) }),
        outcome: if r.is_ok() { "success" } else { "failure" },
        result_count: count,
    };
    if let Err(e) = audit::record(&state.db, rec).await {
        tracing::error!(error = %e, "cannot audit a query");
    }
    r.map_err(|e| ApiError::Invalid(format!("{}: {e}", node.name)))
}

pub async fn start_retrieve(
    state: &AppState,
    user: &SessionUser,
    rq: RetrieveRequest,
) -> Result<RetrieveView, ApiError> {
    rq.validate().map_err(invalid)?;
    let node = one_pacs(state, user, rq.clinic, rq.node_id).await?;
    qr::local_ae(&state.db, ClinicId(rq.clinic)).await?;
    let dest = match &rq.method {
        RetrieveMethod::MoveTo { ae_title } => ae_title.to_string(),
        _ => String::new(),
    };
    let job = retrieves::create(
        &state.db,
        NewRetrieve {
            clinic_id: rq.clinic,
            node_id: node.id,
            method: rq.method.code(),
            move_destination: &dest,
            model: rq.model.as_str(),
            patient_id: rq.patient_id.trim(),
            study_uid: &rq.study_uid,
            series_uids: &rq.series_uids,
            created_by: user.username.as_str(),
        },
    )
    .await?;
    state.retrieve_wake.notify_one();
    tracing::info!(by = %user.username, job = job.id, node = %node.name, "retrieve requested");
    Ok(qr::view(&job, &node.name))
}

pub async fn list(state: &AppState, user: &SessionUser) -> Result<Vec<RetrieveView>, ApiError> {
    require(user, Permission::QueryRetrieve)?;
    let jobs = retrieves::list(&state.db, &user.scope(), 100).await?;
    let nodes = network::nodes(&state.db, &domain::Scope::All).await?;
    let name = |id: i64| {
        nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.name.clone())
            .unwrap_or_default()
    };
    Ok(jobs.iter().map(|j| qr::view(j, &name(j.node_id))).collect())
}

/// One retrieve job of the caller's clinics (404 otherwise).
pub async fn get(state: &AppState, user: &SessionUser, id: i64) -> Result<RetrieveView, ApiError> {
    require(user, Permission::QueryRetrieve)?;
    let job = retrieves::get(&state.db, &user.scope(), id).await?;
    let node = network::node(&state.db, &domain::Scope::All, job.node_id).await?;
    Ok(qr::view(&job, &node.name))
}

pub async fn cancel(
    state: &AppState,
    user: &SessionUser,
    id: i64,
) -> Result<RetrieveView, ApiError> {
    require(user, Permission::QueryRetrieve)?;
    let job = retrieves::request_cancel(&state.db, &user.scope(), id).await?;
    let node = network::node(&state.db, &domain::Scope::All, job.node_id).await?;
    tracing::info!(by = %user.username, job = id, "retrieve cancel requested");
    Ok(qr::view(&job, &node.name))
}
