//! Server functions of the studies pages.

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::views::{StudyDetail, StudyPage, StudyQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// One page of the studies of the user's clinics that match the filters.
#[server(endpoint = "studies", input = Json)]
pub async fn search_studies(query: StudyQuery) -> Result<StudyPage, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.studies(&user, query).await.map_err(ssr::fail)
}

/// One study with its series and instances, if in the user's clinics.
#[server(endpoint = "study")]
pub async fn get_study(id: i64) -> Result<StudyDetail, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.study(&user, id).await.map_err(ssr::fail)
}
