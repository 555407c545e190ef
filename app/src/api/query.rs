//! Server functions of query/retrieve: the PACS and VNA nodes of the caller's clinics, a study
//! search over one or every PACS of a clinic, the series of one study, and retrieve jobs (start,
//! list, cancel). Thin: the server's backend checks the permission and the clinic scope.

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::query::{
    DrillDown, DrillDownResult, PacsSearch, RetrieveRequest, RetrieveView, SearchOutcome,
};
use domain::views::RemoteNodeView;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The remote nodes query/retrieve may use: PACS to search, VNAs as move destinations.
#[server(endpoint = "query_nodes")]
pub async fn query_nodes() -> Result<Vec<RemoteNodeView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.query_nodes(&user).await.map_err(ssr::fail)
}

/// Searches one or every PACS of a clinic; each PACS's outcome is reported, merged by study.
#[server(endpoint = "search_pacs", input = Json)]
pub async fn search_pacs(search: PacsSearch) -> Result<SearchOutcome, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.search_pacs(&user, search).await.map_err(ssr::fail)
}

/// The series (or the instances of one series) of a study on one PACS.
#[server(endpoint = "drill_study", input = Json)]
pub async fn drill_study(q: DrillDown) -> Result<DrillDownResult, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.drill_down(&user, q).await.map_err(ssr::fail)
}

/// Queues a retrieve (C-MOVE here, C-MOVE to another node, or C-GET).
#[server(endpoint = "start_retrieve", input = Json)]
pub async fn start_retrieve(rq: RetrieveRequest) -> Result<RetrieveView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.start_retrieve(&user, rq).await.map_err(ssr::fail)
}

/// The retrieve jobs of the caller's clinics, newest first.
#[server(endpoint = "retrieves")]
pub async fn list_retrieves() -> Result<Vec<RetrieveView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.retrieves(&user).await.map_err(ssr::fail)
}

/// Asks a queued or running retrieve to stop (C-CANCEL when it runs).
#[server(endpoint = "cancel_retrieve")]
pub async fn cancel_retrieve(id: i64) -> Result<RetrieveView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.cancel_retrieve(&user, id).await.map_err(ssr::fail)
}
