//! Editors of a local AE title and of a remote node, validated in the browser with the domain
//! types (AE title, host, port) before the server validates again.

use super::load;
use crate::api::{ApiError, LocalAeForm, NodeForm, SaveLocalAe};
use crate::i18n::{I18n, Msg, field_error, policy_msg, use_i18n};
use crate::pages::editor_page;
use crate::widgets::{ErrorMsg, navigate_when};
use domain::views::ClinicView;
use domain::{AeTitle, CallerPolicy, Jurisdiction, NodeRole};
use leptos::prelude::*;

/// A `<select>` over the values of a small enum.
pub(crate) fn enum_select<T>(
    i18n: I18n,
    name: &'static str,
    all: &'static [T],
    sig: RwSignal<T>,
    code: fn(T) -> &'static str,
    label: fn(T) -> Msg,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let options = all
        .iter()
        .map(|v| {
            let v = *v;
            view! { <option value=code(v) selected=move || sig.get() == v>{move || i18n.t(label(v))}</option> }
        })
        .collect_view();
    view! {
        <select name=name on:change=move |ev| {
            let picked = event_target_value(&ev);
            if let Some(v) = all.iter().find(|v| code(**v) == picked) {
                sig.set(*v);
            }
        }>{options}</select>
    }
}

#[component]
pub fn LocalAeEditPage() -> impl IntoView {
    editor_page(load, |id, d| {
        let initial = match id {
            None => LocalAeForm {
                id: None,
                clinic: d.clinics.first().map(|c| c.id.0).unwrap_or(0),
                ae_title: String::new(),
                enabled: true,
                caller_policy: CallerPolicy::KnownNodes,
                allowed_callers: String::new(),
                port: None,
            },
            Some(id) => {
                let a = d
                    .aes
                    .iter()
                    .find(|a| a.id == id)
                    .ok_or(ApiError::NotFound)?;
                LocalAeForm {
                    id: Some(id),
                    clinic: a.clinic.0,
                    ae_title: a.ae_title.to_string(),
                    enabled: a.enabled,
                    caller_policy: a.caller_policy,
                    allowed_callers: a
                        .allowed_callers
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    port: a.port.map(u32::from),
                }
            }
        };
        Ok(view! { <LocalAeEditor initial clinics=d.clinics /> })
    })
}

fn clinic_select(clinics: Vec<ClinicView>, sig: RwSignal<i64>) -> impl IntoView {
    let options = clinics
        .into_iter()
        .map(|c| {
            let id = c.id.0;
            view! { <option value=id.to_string() selected=move || sig.get() == id>{c.code.to_string()} " — " {c.name.to_string()}</option> }
        })
        .collect_view();
    view! {
        <select name="clinic" on:change=move |ev| {
            if let Ok(v) = event_target_value(&ev).parse() {
                sig.set(v);
            }
        }>{options}</select>
    }
}

/// Empty means no dedicated port.
fn optional_port(raw: &str) -> Result<Option<domain::Port>, domain::NetworkError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<u32>()
        .map_err(|_| domain::NetworkError::Port)
        .and_then(domain::Port::new)
        .map(Some)
}

fn port_input(i18n: I18n, port: RwSignal<String>) -> impl IntoView {
    view! {
        <label>{move || i18n.t(Msg::DedicatedPort)}
            <input name="port" bind:value=port inputmode="numeric" size="6" autocomplete="off" />
            <small class="hint">{move || i18n.t(Msg::DedicatedPortHint)}</small>
            <small class="field-error">{move || field_error(i18n, &port.get(), optional_port)}</small>
        </label>
    }
}

#[component]
fn LocalAeEditor(initial: LocalAeForm, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let id = initial.id;
    let ae = RwSignal::new(initial.ae_title);
    let clinic = RwSignal::new(initial.clinic);
    let enabled = RwSignal::new(initial.enabled);
    let policy = RwSignal::new(initial.caller_policy);
    let callers = RwSignal::new(initial.allowed_callers);
    let port = RwSignal::new(initial.port.map(|p| p.to_string()).unwrap_or_default());
    let save = ServerAction::<SaveLocalAe>::new();
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/network",
    );
    let ae_error = move || field_error(i18n, &ae.get(), AeTitle::parse);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = LocalAeForm {
            id,
            clinic: clinic.get_untracked(),
            ae_title: ae.get_untracked(),
            enabled: enabled.get_untracked(),
            caller_policy: policy.get_untracked(),
            allowed_callers: callers.get_untracked(),
            port: optional_port(&port.get_untracked())
                .ok()
                .flatten()
                .map(u32::from),
        };
        save.dispatch(SaveLocalAe { form });
    };
    view! {
        <section class="card">
            <h1>{move || i18n.t(if id.is_some() { Msg::EditLocalAe } else { Msg::NewLocalAe })}</h1>
            <form on:submit=on_submit id="ae-form">
                <label>{move || i18n.t(Msg::AeTitle)}
                    <input name="ae_title" bind:value=ae maxlength="16" autocomplete="off" />
                    <small class="field-error" id="ae-error">{ae_error}</small>
                </label>
                <label>{move || i18n.t(Msg::Clinic)} {clinic_select(clinics, clinic)}</label>
                <label>{move || i18n.t(Msg::Callers)}
                    {enum_select(i18n, "caller_policy", CallerPolicy::ALL, policy, CallerPolicy::as_str, policy_msg)}
                </label>
                <label class:hidden=move || policy.get() != CallerPolicy::Listed>
                    <textarea name="allowed_callers" bind:value=callers rows="2"></textarea>
                    <small class="hint">{move || i18n.t(Msg::AllowedCallersHint)}</small>
                </label>
                {port_input(i18n, port)}
                <label class="check"><input type="checkbox" name="enabled" bind:checked=enabled />{move || i18n.t(Msg::Enabled)}</label>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/network">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || AeTitle::parse(&ae.get()).is_err() || optional_port(&port.get()).is_err() || save.pending().get()>
                        {move || i18n.t(Msg::Save)}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn NodeEditPage() -> impl IntoView {
    editor_page(load, |id, d| {
        let initial = match id {
            None => NodeForm {
                id: None,
                name: String::new(),
                ae_title: String::new(),
                host: String::new(),
                port: 104,
                tls: false,
                role: NodeRole::Vna,
                jurisdiction: Jurisdiction::Quebec,
                notes: String::new(),
                clinics: vec![],
            },
            Some(id) => {
                let n = d
                    .nodes
                    .iter()
                    .find(|n| n.id == id)
                    .ok_or(ApiError::NotFound)?;
                NodeForm {
                    id: Some(id),
                    name: n.name.clone(),
                    ae_title: n.ae_title.to_string(),
                    host: n.host.to_string(),
                    port: u32::from(n.port.get()),
                    tls: n.tls,
                    role: n.role,
                    jurisdiction: n.jurisdiction,
                    notes: n.notes.clone(),
                    clinics: n.clinics.iter().map(|c| c.0).collect(),
                }
            }
        };
        Ok(view! { <super::node_editor::NodeEditor initial clinics=d.clinics /> })
    })
}
