//! The services behind the UI and the JSON API (`app::backend::Backend`): sign-in, clinics and
//! users. Permissions are checked here; tenant reads go through scoped repositories.

use crate::auth::password;
use crate::db::users::UserWrite;
use crate::db::{RepoError, clinics, users};
use crate::state::AppState;
use app::api::{ApiError, ClinicForm, LocalAeForm, NodeForm, UserForm};
use app::backend::{Backend, RequestCtx};
use domain::views::{
    AuditRow, ClinicView, EchoOutcome, LocalAeView, RemoteNodeView, SessionUser, StudyDetail,
    StudyPage, StudyQuery, UserView,
};
use domain::{
    ClinicCode, ClinicId, ClinicName, DisplayName, NewPassword, Permission, UserId, Username,
};

pub mod audit;
mod network;
pub mod query;
pub mod routing;
pub mod tokens;

use domain::destination::{DestinationInput, DestinationView};
use domain::query::{
    DrillDown, DrillDownResult, PacsSearch, RetrieveRequest, RetrieveView, SearchOutcome,
};
use domain::routing::{Rule, StudySample};
use domain::tokens::{IssuedToken, TokenInput, TokenView};
use domain::transfers::{QueueAction, RuleAction, RuleChange, RuleView, Transfers};

pub struct AppBackend {
    state: AppState,
}

impl AppBackend {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => ApiError::NotFound,
            RepoError::Conflict(what) => ApiError::Conflict(format!("{what} already in use")),
            RepoError::Invalid(why) => ApiError::Invalid(why),
            RepoError::Field(f) => ApiError::Field(f),
            RepoError::Db(err) => {
                tracing::error!(error = %err, "database error");
                ApiError::Internal
            }
        }
    }
}

pub(crate) fn require(user: &SessionUser, p: Permission) -> Result<(), ApiError> {
    if user.role.can(p) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Network and routing administration (nodes, AE titles, destinations, rules, queue actions).
fn require_network(user: &SessionUser) -> Result<(), ApiError> {
    require(user, Permission::ManageNetwork)
}

fn pw_error(e: password::PasswordError) -> ApiError {
    tracing::error!(error = %e, "password hashing failed");
    ApiError::Internal
}

impl AppBackend {
    /// Rate limits, then a constant-shape check: unknown user, inactive user and wrong password
    /// all cost one argon2 verification and give the same answer.
    pub(crate) async fn check_credentials(
        &self,
        ip: std::net::IpAddr,
        username: &str,
        password: &str,
    ) -> Result<(String, UserId), ApiError> {
        let account = username.trim().to_lowercase();
        let limiter = &self.state.limiter;
        if let Some(wait) = limiter.check(&account, ip) {
            return Err(ApiError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        let row = match Username::parse(&account) {
            Ok(u) => users::find_login(&self.state.db, &u).await?,
            Err(_) => None,
        };
        let (stored, id) = match row {
            Some(r) if r.active => (Some(r.password_hash), Some(r.id)),
            _ => (None, None),
        };
        let ok = password::verify(password.to_owned(), stored)
            .await
            .map_err(pw_error)?;
        match (ok, id) {
            (true, Some(id)) => {
                limiter.record_success(&account, ip);
                Ok((account, id))
            }
            _ => {
                limiter.record_failure(&account, ip);
                tracing::info!(account = %account, %ip, "failed sign-in");
                Err(ApiError::BadCredentials)
            }
        }
    }

    async fn user_write(&self, form: &UserForm, creating: bool) -> Result<UserWrite, ApiError> {
        let display_name = DisplayName::parse(&form.display_name)?;
        if form.clinics.is_empty() {
            return Err(ApiError::Invalid(
                "a user belongs to at least one clinic".into(),
            ));
        }
        let password_hash = match form.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                let p = NewPassword::parse(p)?;
                Some(
                    password::hash(p.expose().to_owned())
                        .await
                        .map_err(pw_error)?,
                )
            }
            None if creating => return Err(ApiError::Invalid("a password is required".into())),
            None => None,
        };
        let mut clinics: Vec<ClinicId> = form.clinics.iter().map(|c| ClinicId(*c)).collect();
        clinics.sort();
        clinics.dedup();
        Ok(UserWrite {
            display_name,
            role: form.role,
            clinics,
            active: form.active,
            password_hash,
        })
    }
}

#[async_trait::async_trait]
impl Backend for AppBackend {
    async fn login(
        &self,
        req: &RequestCtx,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, ApiError> {
        let (account, id) = self
            .check_credentials(req.client_ip, username, password)
            .await?;
        req.session.begin(id).await?;
        tracing::info!(account = %account, ip = %req.client_ip, "signed in");
        users::session_user(&self.state.db, id)
            .await?
            .ok_or(ApiError::BadCredentials)
    }

    async fn clinics(&self, user: &SessionUser) -> Result<Vec<ClinicView>, ApiError> {
        require(user, Permission::ViewClinics)?;
        Ok(clinics::list(&self.state.db, &user.scope()).await?)
    }

    async fn clinic(&self, user: &SessionUser, id: ClinicId) -> Result<ClinicView, ApiError> {
        require(user, Permission::ViewClinics)?;
        Ok(clinics::get(&self.state.db, &user.scope(), id).await?)
    }

    async fn save_clinic(
        &self,
        user: &SessionUser,
        form: ClinicForm,
    ) -> Result<ClinicView, ApiError> {
        require(user, Permission::ManageClinics)?;
        let code = ClinicCode::parse(&form.code)?;
        let name = ClinicName::parse(&form.name)?;
        let db = &self.state.db;
        let saved = match form.id {
            None => clinics::create(db, &code, &name).await?,
            Some(id) => clinics::update(db, ClinicId(id), &code, &name, form.active).await?,
        };
        tracing::info!(by = %user.username, clinic = %saved.code, "clinic saved");
        Ok(saved)
    }

    async fn users(&self, user: &SessionUser) -> Result<Vec<UserView>, ApiError> {
        require(user, Permission::ManageUsers)?;
        Ok(users::list(&self.state.db, &user.scope()).await?)
    }

    async fn user(&self, user: &SessionUser, id: UserId) -> Result<UserView, ApiError> {
        require(user, Permission::ManageUsers)?;
        Ok(users::get(&self.state.db, &user.scope(), id).await?)
    }

    async fn save_user(&self, user: &SessionUser, form: UserForm) -> Result<UserView, ApiError> {
        require(user, Permission::ManageUsers)?;
        let write = self.user_write(&form, form.id.is_none()).await?;
        let db = &self.state.db;
        let saved = match form.id {
            None => users::create(db, &Username::parse(&form.username)?, write).await?,
            Some(id) => {
                if UserId(id) == user.id && (!write.active || write.role != user.role) {
                    return Err(ApiError::Invalid(
                        "you cannot deactivate yourself or change your own role".into(),
                    ));
                }
                users::update(db, UserId(id), write).await?
            }
        };
        tracing::info!(by = %user.username, user = %saved.username, active = saved.active, "user saved");
        Ok(saved)
    }

    async fn local_aes(&self, user: &SessionUser) -> Result<Vec<LocalAeView>, ApiError> {
        network::local_aes(&self.state, user).await
    }

    async fn save_local_ae(
        &self,
        user: &SessionUser,
        form: LocalAeForm,
    ) -> Result<LocalAeView, ApiError> {
        network::save_local_ae(&self.state, user, form).await
    }

    async fn nodes(&self, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError> {
        network::nodes(&self.state, user).await
    }

    async fn save_node(
        &self,
        user: &SessionUser,
        form: NodeForm,
    ) -> Result<RemoteNodeView, ApiError> {
        network::save_node(&self.state, user, form).await
    }

    async fn echo_node(&self, user: &SessionUser, id: i64) -> Result<EchoOutcome, ApiError> {
        network::echo_node(&self.state, user, id).await
    }

    async fn studies(&self, user: &SessionUser, query: StudyQuery) -> Result<StudyPage, ApiError> {
        require(user, Permission::ViewStudies)?;
        Ok(crate::db::studies::search(&self.state.db, &user.scope(), &query).await?)
    }

    async fn study(&self, user: &SessionUser, id: i64) -> Result<StudyDetail, ApiError> {
        require(user, Permission::ViewStudies)?;
        Ok(crate::db::studies::get(&self.state.db, &user.scope(), id).await?)
    }

    async fn transfers(&self, user: &SessionUser) -> Result<Transfers, ApiError> {
        routing::overview(&self.state, user).await
    }
    async fn queue_action(&self, user: &SessionUser, action: QueueAction) -> Result<u64, ApiError> {
        routing::queue_action(&self.state, user, action).await
    }
    async fn destinations(&self, user: &SessionUser) -> Result<Vec<DestinationView>, ApiError> {
        routing::destinations(&self.state, user).await
    }
    async fn save_destination(
        &self,
        user: &SessionUser,
        id: Option<i64>,
        input: DestinationInput,
    ) -> Result<DestinationView, ApiError> {
        routing::save_destination(&self.state, user, id, input).await
    }
    async fn record_pia(
        &self,
        user: &SessionUser,
        id: i64,
        reference: &str,
    ) -> Result<u64, ApiError> {
        routing::record_pia(&self.state, user, id, reference).await
    }
    async fn rules(&self, user: &SessionUser) -> Result<Vec<RuleView>, ApiError> {
        routing::rules(&self.state, user).await
    }
    async fn save_rule(
        &self,
        user: &SessionUser,
        id: Option<i64>,
        clinic: Option<i64>,
        rule: Rule,
    ) -> Result<RuleView, ApiError> {
        routing::save_rule(&self.state, user, id, routing::RuleInput { clinic, rule }).await
    }
    async fn rule_action(
        &self,
        user: &SessionUser,
        id: i64,
        action: RuleAction,
    ) -> Result<(), ApiError> {
        match action {
            RuleAction::Delete => routing::delete_rule(&self.state, user, id).await,
            RuleAction::Up => routing::shift_rule(&self.state, user, id, true).await,
            RuleAction::Down => routing::shift_rule(&self.state, user, id, false).await,
        }
    }
    async fn rule_history(&self, user: &SessionUser, id: i64) -> Result<Vec<RuleChange>, ApiError> {
        routing::history(&self.state, user, Some(id)).await
    }
    async fn preview_samples(
        &self,
        user: &SessionUser,
        clinic: Option<i64>,
    ) -> Result<Vec<(i64, Vec<StudySample>)>, ApiError> {
        routing::samples(&self.state, user, clinic).await
    }
    async fn query_nodes(&self, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError> {
        query::nodes(&self.state, user).await
    }
    async fn search_pacs(
        &self,
        user: &SessionUser,
        search: PacsSearch,
    ) -> Result<SearchOutcome, ApiError> {
        query::search_pacs(&self.state, user, search).await
    }
    async fn drill_down(
        &self,
        user: &SessionUser,
        q: DrillDown,
    ) -> Result<DrillDownResult, ApiError> {
        query::drill_down(&self.state, user, q).await
    }
    async fn start_retrieve(
        &self,
        user: &SessionUser,
        rq: RetrieveRequest,
    ) -> Result<RetrieveView, ApiError> {
        query::start_retrieve(&self.state, user, rq).await
    }
    async fn retrieves(&self, user: &SessionUser) -> Result<Vec<RetrieveView>, ApiError> {
        query::list(&self.state, user).await
    }
    async fn cancel_retrieve(&self, user: &SessionUser, id: i64) -> Result<RetrieveView, ApiError> {
        query::cancel(&self.state, user, id).await
    }
    async fn tokens(&self, user: &SessionUser) -> Result<Vec<TokenView>, ApiError> {
        tokens::list(&self.state, user).await
    }
    async fn create_token(
        &self,
        user: &SessionUser,
        input: TokenInput,
    ) -> Result<IssuedToken, ApiError> {
        tokens::create(&self.state, user, input).await
    }
    async fn revoke_token(&self, user: &SessionUser, id: i64) -> Result<TokenView, ApiError> {
        tokens::revoke(&self.state, user, id).await
    }
    async fn audit(
        &self,
        user: &SessionUser,
        action: Option<String>,
    ) -> Result<Vec<AuditRow>, ApiError> {
        audit::list(&self.state, user, action).await
    }
}
