//! Server functions of the DICOM network configuration: local AE titles, remote nodes, C-ECHO.

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::views::{EchoOutcome, LocalAeView, RemoteNodeView};
use domain::{CallerPolicy, Jurisdiction, NodeRole};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A local AE title as submitted by the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAeForm {
    pub id: Option<i64>,
    pub clinic: i64,
    pub ae_title: String,
    pub enabled: bool,
    pub caller_policy: CallerPolicy,
    /// AE titles separated by spaces, commas or new lines.
    pub allowed_callers: String,
    /// Optional second port serving only this AE title.
    pub port: Option<u32>,
}

/// A remote node as submitted by the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeForm {
    pub id: Option<i64>,
    pub name: String,
    pub ae_title: String,
    pub host: String,
    pub port: u32,
    pub tls: bool,
    pub role: NodeRole,
    pub jurisdiction: Jurisdiction,
    pub notes: String,
    pub clinics: Vec<i64>,
}

/// The local AE titles of the clinics the user may configure.
#[server(endpoint = "local_aes")]
pub async fn list_local_aes() -> Result<Vec<LocalAeView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.local_aes(&user).await.map_err(ssr::fail)
}

/// Creates or updates a local AE title (administrators); the listener picks it up at once.
#[server(endpoint = "save_local_ae", input = Json)]
pub async fn save_local_ae(form: LocalAeForm) -> Result<LocalAeView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_local_ae(&user, form).await.map_err(ssr::fail)
}

/// The remote nodes of the user's clinics.
#[server(endpoint = "nodes")]
pub async fn list_nodes() -> Result<Vec<RemoteNodeView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.nodes(&user).await.map_err(ssr::fail)
}

/// Creates or updates a remote node (administrators).
#[server(endpoint = "save_node", input = Json)]
pub async fn save_node(form: NodeForm) -> Result<RemoteNodeView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_node(&user, form).await.map_err(ssr::fail)
}

/// Sends a C-ECHO to a node and reports the outcome and round-trip time.
#[server(endpoint = "echo_node")]
pub async fn echo_node(id: i64) -> Result<EchoOutcome, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.echo_node(&user, id).await.map_err(ssr::fail)
}
