//! The contract between the UI and the server (ssr only): services the server puts in context,
//! and the per-request context its middleware attaches (who is signed in, from where, the session).

use crate::api::{ApiError, ClinicForm, LocalAeForm, NodeForm, UserForm};
use domain::destination::{DestinationInput, DestinationView};
use domain::query::{
    DrillDown, DrillDownResult, PacsSearch, RetrieveRequest, RetrieveView, SearchOutcome,
};
use domain::routing::{Rule, StudySample};
use domain::tokens::{IssuedToken, TokenInput, TokenView};
use domain::transfers::{QueueAction, RuleAction, RuleChange, RuleView, Transfers};
use domain::views::{
    AuditRow, ClinicView, EchoOutcome, LocalAeView, RemoteNodeView, SessionUser, StudyDetail,
    StudyPage, StudyQuery, UserView,
};
use domain::{ClinicId, UserId};
use std::net::IpAddr;
use std::sync::Arc;

pub mod registry;
pub use registry::{Registry, RegistryHandle};

/// Session operations the server implements on its session store.
#[async_trait::async_trait]
pub trait SessionControl: Send + Sync {
    /// Starts an authenticated session for `user` under a new session id.
    async fn begin(&self, user: UserId) -> Result<(), ApiError>;
    /// Ends the session (deleted from the store, cookie cleared).
    async fn end(&self) -> Result<(), ApiError>;
}

/// Attached to every request by the server's auth middleware.
#[derive(Clone)]
pub struct RequestCtx {
    pub user: Option<SessionUser>,
    pub client_ip: IpAddr,
    pub session: Arc<dyn SessionControl>,
}

/// The services behind the server functions. Implementations enforce permissions and scopes.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    async fn login(
        &self,
        req: &RequestCtx,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, ApiError>;
    async fn clinics(&self, user: &SessionUser) -> Result<Vec<ClinicView>, ApiError>;
    async fn clinic(&self, user: &SessionUser, id: ClinicId) -> Result<ClinicView, ApiError>;
    async fn save_clinic(
        &self,
        user: &SessionUser,
        form: ClinicForm,
    ) -> Result<ClinicView, ApiError>;
    async fn users(&self, user: &SessionUser) -> Result<Vec<UserView>, ApiError>;
    async fn user(&self, user: &SessionUser, id: UserId) -> Result<UserView, ApiError>;
    async fn save_user(&self, user: &SessionUser, form: UserForm) -> Result<UserView, ApiError>;
    async fn local_aes(&self, user: &SessionUser) -> Result<Vec<LocalAeView>, ApiError>;
    async fn save_local_ae(
        &self,
        user: &SessionUser,
        form: LocalAeForm,
    ) -> Result<LocalAeView, ApiError>;
    async fn nodes(&self, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError>;
    async fn save_node(
        &self,
        user: &SessionUser,
        form: NodeForm,
    ) -> Result<RemoteNodeView, ApiError>;
    async fn echo_node(&self, user: &SessionUser, id: i64) -> Result<EchoOutcome, ApiError>;
    async fn studies(&self, user: &SessionUser, query: StudyQuery) -> Result<StudyPage, ApiError>;
    async fn study(&self, user: &SessionUser, id: i64) -> Result<StudyDetail, ApiError>;
    async fn transfers(&self, user: &SessionUser) -> Result<Transfers, ApiError>;
    async fn queue_action(&self, user: &SessionUser, action: QueueAction) -> Result<u64, ApiError>;
    async fn destinations(&self, user: &SessionUser) -> Result<Vec<DestinationView>, ApiError>;
    async fn save_destination(
        &self,
        user: &SessionUser,
        id: Option<i64>,
        input: DestinationInput,
    ) -> Result<DestinationView, ApiError>;
    async fn record_pia(
        &self,
        user: &SessionUser,
        id: i64,
        reference: &str,
    ) -> Result<u64, ApiError>;
    async fn rules(&self, user: &SessionUser) -> Result<Vec<RuleView>, ApiError>;
    async fn save_rule(
        &self,
        user: &SessionUser,
        id: Option<i64>,
        clinic: Option<i64>,
        rule: Rule,
    ) -> Result<RuleView, ApiError>;
    async fn rule_action(
        &self,
        user: &SessionUser,
        id: i64,
        action: RuleAction,
    ) -> Result<(), ApiError>;
    async fn rule_history(&self, user: &SessionUser, id: i64) -> Result<Vec<RuleChange>, ApiError>;
    async fn preview_samples(
        &self,
        user: &SessionUser,
        clinic: Option<i64>,
    ) -> Result<Vec<(i64, Vec<StudySample>)>, ApiError>;
    /// The remote nodes of the caller's clinics that query/retrieve may use (PACS to search,
    /// VNAs as move destinations).
    async fn query_nodes(&self, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError>;
    async fn search_pacs(
        &self,
        user: &SessionUser,
        search: PacsSearch,
    ) -> Result<SearchOutcome, ApiError>;
    async fn drill_down(
        &self,
        user: &SessionUser,
        q: DrillDown,
    ) -> Result<DrillDownResult, ApiError>;
    async fn start_retrieve(
        &self,
        user: &SessionUser,
        rq: RetrieveRequest,
    ) -> Result<RetrieveView, ApiError>;
    async fn retrieves(&self, user: &SessionUser) -> Result<Vec<RetrieveView>, ApiError>;
    async fn cancel_retrieve(&self, user: &SessionUser, id: i64) -> Result<RetrieveView, ApiError>;
    /// DICOMweb tokens: all (administrators) or the caller's own.
    async fn tokens(&self, user: &SessionUser) -> Result<Vec<TokenView>, ApiError>;
    async fn create_token(
        &self,
        user: &SessionUser,
        input: TokenInput,
    ) -> Result<IssuedToken, ApiError>;
    async fn revoke_token(&self, user: &SessionUser, id: i64) -> Result<TokenView, ApiError>;
    /// The latest audit events of the caller's clinics, optionally of one action
    /// (administrators).
    async fn audit(
        &self,
        user: &SessionUser,
        action: Option<String>,
    ) -> Result<Vec<AuditRow>, ApiError>;
}

/// The backend as found in Leptos context.
#[derive(Clone)]
pub struct BackendHandle(pub Arc<dyn Backend>);
