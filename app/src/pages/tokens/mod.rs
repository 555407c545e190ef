//! DICOMweb tokens: issue a token for viewers and scripts (name, clinics, optional expiry and, for
//! administrators, the user it acts for; validated in the browser with the domain code), see its
//! secret once with a ready-to-paste call, and list / revoke tokens (confirmed in place).
//! Administrators see every token, others their own (the server decides).

mod form;
mod list;

use crate::api::{ApiError, IssueToken, RevokeToken, list_clinics, list_users, whoami};
use crate::i18n::{Tk, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::views::{ClinicView, SessionUser, UserView};
use domain::{Permission, Role};
use leptos::prelude::*;

/// Who is signed in, the clinics they see and, for administrators, the users a token may act
/// for. Loaded once; the tokens themselves reload on their own.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TokenData {
    pub me: SessionUser,
    pub clinics: Vec<ClinicView>,
    /// Every user (administrators only; empty for others).
    pub users: Vec<UserView>,
}

impl TokenData {
    fn is_admin(&self) -> bool {
        self.me.role == Role::Administrator
    }

    /// "Display name (username)" of a user, or `#id` when unknown.
    fn user_label(&self, id: i64) -> String {
        if id == self.me.id.0 {
            return format!("{} ({})", self.me.display_name, self.me.username);
        }
        self.users.iter().find(|u| u.id.0 == id).map_or_else(
            || format!("#{id}"),
            |u| format!("{} ({})", u.display_name, u.username),
        )
    }

    /// The users a token may act for: active, and allowed to see studies; by name.
    fn eligible_users(&self) -> Vec<&UserView> {
        let mut v: Vec<&UserView> = self
            .users
            .iter()
            .filter(|u| u.active && u.role.can(Permission::ViewStudies))
            .collect();
        v.sort_by_key(|u| u.display_name.to_string().to_lowercase());
        v
    }

    /// The active clinics a new token may cover when it acts for `user` (none: an application,
    /// any clinic the signed-in user sees), by name.
    fn clinics_for(&self, user: Option<i64>) -> Vec<&ClinicView> {
        let limit = user
            .and_then(|id| self.users.iter().find(|u| u.id.0 == id))
            .filter(|u| !u.role.sees_all_clinics())
            .map(|u| u.clinics.clone());
        let mut v: Vec<&ClinicView> = self
            .clinics
            .iter()
            .filter(|c| c.active && limit.as_ref().is_none_or(|l| l.contains(&c.id)))
            .collect();
        v.sort_by_key(|c| c.name.to_string().to_lowercase());
        v
    }

    /// The name of a clinic (its code as a hint), or `#id` for one the user does not see.
    fn clinic_label(&self, id: i64) -> (String, String) {
        self.clinics.iter().find(|c| c.id.0 == id).map_or_else(
            || (format!("#{id}"), String::new()),
            |c| (c.name.to_string(), c.code.to_string()),
        )
    }
}

async fn load() -> Result<TokenData, ApiError> {
    let me = whoami().await?.ok_or(ApiError::Unauthenticated)?;
    if !me.role.can(Permission::ViewStudies) {
        return Err(ApiError::Forbidden);
    }
    let clinics = list_clinics().await?;
    let users = if me.role == Role::Administrator {
        list_users().await?
    } else {
        Vec::new()
    };
    Ok(TokenData { me, clinics, users })
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| load());
    let issue = ServerAction::<IssueToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    view! {
        <h1>{move || i18n.tk(Tk::Title)}</h1>
        <p class="muted">{move || i18n.tk(Tk::Intro)}</p>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let data = StoredValue::new(d);
                        view! {
                            <form::IssueForm data issue />
                            <form::SecretPanel issue revoke />
                            <list::TokenList data issue revoke />
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
