//! The form that issues a token (name, expiry in days, for administrators the user it acts for,
//! clinics, whether it may also upload), checked in the browser with `TokenInput::validate` (the server's own check), and the
//! panel that shows the new secret once, with Copy buttons and a ready-to-paste call.

use super::TokenData;
use crate::api::{IssueToken, RevokeToken};
use crate::i18n::{I18n, Tk, token_error, use_i18n};
use crate::widgets::ErrorMsg;
use domain::tokens::{IssuedToken, TokenInput};
use leptos::prelude::*;

/// What the form holds.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    days: RwSignal<String>,
    acts_for: RwSignal<Option<i64>>,
    clinics: RwSignal<Vec<i64>>,
    can_store: RwSignal<bool>,
}

impl Fields {
    /// The token the form describes, or the message of its first problem (tracks the fields).
    fn checked(self) -> Result<TokenInput, Tk> {
        let expires_in_days = match self.days.get().trim() {
            "" => None,
            d => Some(d.parse::<u32>().map_err(|_| Tk::ErrExpiry)?),
        };
        let input = TokenInput {
            name: self.name.get().trim().to_owned(),
            user_id: self.acts_for.get(),
            clinics: self.clinics.get(),
            expires_in_days,
            can_store: self.can_store.get(),
        };
        input.validate().map_err(|e| token_error(&e))?;
        Ok(input)
    }

    /// Chooses who the token acts for; keeps only the clinics still possible (and picks the
    /// clinic when only one is).
    fn set_acts_for(self, data: StoredValue<TokenData>, user: Option<i64>) {
        let allowed: Vec<i64> =
            data.with_value(|d| d.clinics_for(user).iter().map(|c| c.id.0).collect());
        self.acts_for.set(user);
        self.clinics.update(|v| {
            v.retain(|c| allowed.contains(c));
            if allowed.len() == 1 {
                *v = allowed.clone();
            }
        });
    }
}

/// "Acts for": a select of users for administrators, "you" for everybody else.
fn acts_for_field(data: StoredValue<TokenData>, fields: Fields) -> impl IntoView {
    let i18n = use_i18n();
    if !data.with_value(TokenData::is_admin) {
        let me = data.with_value(|d| d.user_label(d.me.id.0));
        return view! {
            <div class="field" id="token-for-me">
                <span class="label">{move || i18n.tk(Tk::ActsFor)}</span>
                <span>{move || i18n.tk(Tk::You)} " — " {me}</span>
            </div>
        }
        .into_any();
    }
    let options = data.with_value(|d| {
        d.eligible_users()
            .into_iter()
            .map(|u| {
                let label = d.user_label(u.id.0);
                view! { <option value=u.id.0.to_string()>{label}</option> }
            })
            .collect_view()
    });
    view! {
        <label>{move || i18n.tk(Tk::ActsFor)}
            <select id="token-user" on:change=move |ev| {
                fields.set_acts_for(data, event_target_value(&ev).parse().ok());
            }>
                <option value="">{move || i18n.tk(Tk::NoUser)}</option>
                {options}
            </select>
        </label>
    }
    .into_any()
}

/// A checkbox per clinic the token may cover (the ones of the chosen user, if any).
fn clinic_boxes(data: StoredValue<TokenData>, fields: Fields) -> impl IntoView {
    let i18n = use_i18n();
    let boxes = move || {
        data.with_value(|d| {
            d.clinics_for(fields.acts_for.get())
                .into_iter()
                .map(|c| {
                    let id = c.id.0;
                    let toggle = move |_| {
                        fields.clinics.update(|v| match v.iter().position(|x| *x == id) {
                            Some(i) => {
                                v.remove(i);
                            }
                            None => v.push(id),
                        })
                    };
                    view! {
                        <label class="check">
                            <input type="checkbox" name="clinic" value=id.to_string()
                                prop:checked=move || fields.clinics.get().contains(&id) on:change=toggle />
                            {c.name.to_string()} <small class="muted">{c.code.to_string()}</small>
                        </label>
                    }
                })
                .collect_view()
        })
    };
    view! { <fieldset class="span-all"><legend>{move || i18n.tk(Tk::Clinics)}</legend>{boxes}</fieldset> }
}

/// Keeps a shown problem up to date while typing, and clears the form once a token is issued.
fn follow(fields: Fields, problem: RwSignal<Option<Tk>>, issue: ServerAction<IssueToken>) {
    // Once a problem is shown, it follows the typing (and goes away when fixed).
    Effect::new(move |_| {
        let now = fields.checked().err();
        if problem.get_untracked().is_some() {
            problem.set(now);
        }
    });
    // A token was issued: the form is ready for the next one.
    Effect::new(move |_| {
        if let Some(Ok(_)) = issue.value().get() {
            fields.name.set(String::new());
            fields.days.set(String::new());
            fields.can_store.set(false);
        }
    });
}

#[component]
pub(super) fn IssueForm(
    data: StoredValue<TokenData>,
    issue: ServerAction<IssueToken>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = Fields {
        name: RwSignal::new(String::new()),
        days: RwSignal::new(String::new()),
        acts_for: RwSignal::new(None),
        clinics: RwSignal::new(Vec::new()),
        can_store: RwSignal::new(false),
    };
    fields.set_acts_for(data, None);
    let problem = RwSignal::new(None::<Tk>);
    follow(fields, problem, issue);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match fields.checked() {
            Err(m) => problem.set(Some(m)),
            Ok(input) => {
                problem.set(None);
                issue.dispatch(IssueToken { input });
            }
        }
    };
    let pending = issue.pending();
    view! {
        <form class="card token-form" id="token-form" novalidate on:submit=submit>
            <h2 class="span-all">{move || i18n.tk(Tk::NewToken)}</h2>
            <label>{move || i18n.tk(Tk::Name)}
                <input id="token-name" name="name" maxlength="64" autocomplete="off"
                    prop:value=move || fields.name.get() on:input=move |e| fields.name.set(event_target_value(&e)) />
            </label>
            <label>{move || i18n.tk(Tk::ExpiresDays)}
                <input id="token-days" name="days" inputmode="numeric" autocomplete="off"
                    prop:value=move || fields.days.get() on:input=move |e| fields.days.set(event_target_value(&e)) />
                <small class="hint">{move || i18n.tk(Tk::ExpiryHint)}</small>
            </label>
            {acts_for_field(data, fields)}
            {clinic_boxes(data, fields)}
            <label class="check span-all">
                <input type="checkbox" id="token-store" prop:checked=move || fields.can_store.get()
                    on:change=move |e| fields.can_store.set(event_target_checked(&e)) />
                {move || i18n.tk(Tk::AllowStore)} " "
                <small class="muted">{move || i18n.tk(Tk::AllowStoreHint)}</small>
            </label>
            <div class="form-actions span-all">
                {move || problem.get().map(|m| view! { <p class="error" role="alert" id="token-error">{i18n.tk(m)}</p> })}
                {move || match issue.value().get() {
                    Some(Err(error)) if problem.get().is_none() => view! { <ErrorMsg error /> }.into_any(),
                    _ => ().into_any(),
                }}
                <button type="submit" id="token-issue" disabled=move || pending.get()>
                    {move || if pending.get() { i18n.tk(Tk::Issuing) } else { i18n.tk(Tk::Issue) }}
                </button>
            </div>
        </form>
    }
}

/// Selects the text of the field `id` and copies it; false when the browser refused (the text
/// stays selected, to be copied by hand).
#[cfg(feature = "hydrate")]
fn copy_field(id: &str) -> bool {
    use wasm_bindgen::JsCast;
    let doc = document();
    let Some(el) = doc.get_element_by_id(id) else {
        return false;
    };
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        input.select();
    } else if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.select();
    }
    doc.dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}

#[cfg(not(feature = "hydrate"))]
fn copy_field(_id: &str) -> bool {
    false
}

/// Copies the field `target`; says "Copied", or asks to copy by hand when the browser refused.
#[component]
fn CopyButton(target: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(None::<bool>);
    view! {
        <button type="button" class="secondary copy" data-copy=target on:click=move |_| state.set(Some(copy_field(target)))>
            {move || if state.get() == Some(true) { i18n.tk(Tk::Copied) } else { i18n.tk(Tk::Copy) }}
        </button>
        {move || (state.get() == Some(false)).then(|| view! { <small class="hint copy-by-hand">{i18n.tk(Tk::CopyByHand)}</small> })}
    }
}

/// The page's address as the browser sees it (the example call goes there).
fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

fn secret_view(i18n: I18n, t: IssuedToken, issue: ServerAction<IssueToken>) -> impl IntoView {
    let example = format!(
        "curl -H \"Authorization: Bearer {}\" {}/dicomweb/studies",
        t.secret,
        origin()
    );
    view! {
        <section class="card secret" id="token-secret" role="status" data-token=t.token.id>
            <h2>{move || i18n.tk(Tk::Issued)} " " <q>{t.token.name.clone()}</q></h2>
            <p class="warning"><strong>{move || i18n.tk(Tk::SecretOnce)}</strong></p>
            <div class="copyrow">
                <input readonly id="token-value" aria-label=move || i18n.tk(Tk::Secret) prop:value=t.secret.clone() />
                <CopyButton target="token-value" />
            </div>
            <label for="token-example">{move || i18n.tk(Tk::Example)}</label>
            <div class="copyrow">
                <textarea readonly id="token-example" rows="2" prop:value=example></textarea>
                <CopyButton target="token-example" />
            </div>
            <div class="actions">
                <button type="button" id="token-done" on:click=move |_| issue.clear()>{move || i18n.tk(Tk::Done)}</button>
            </div>
        </section>
    }
}

/// The secret of the token just issued, until dismissed or that token is revoked.
#[component]
pub(super) fn SecretPanel(
    issue: ServerAction<IssueToken>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| {
        if let Some(Ok(gone)) = revoke.value().get() {
            let shown = issue.value().with_untracked(|v| match v {
                Some(Ok(t)) => Some(t.token.id),
                _ => None,
            });
            if shown == Some(gone.id) {
                issue.clear();
            }
        }
    });
    move || match issue.value().get() {
        Some(Ok(t)) => secret_view(i18n, t, issue).into_any(),
        _ => ().into_any(),
    }
}
