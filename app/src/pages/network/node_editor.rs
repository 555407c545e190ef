//! The remote node editor.

use super::editors::enum_select;
use crate::api::{NodeForm, SaveNode};
use crate::i18n::{Msg, field_error, jurisdiction_msg, node_role_msg, use_i18n};
use crate::pages::users::clinic_checkboxes;
use crate::widgets::{ErrorMsg, navigate_when};
use domain::views::ClinicView;
use domain::{AeTitle, Host, Jurisdiction, NodeRole, Port};
use leptos::prelude::*;

/// The editor's state: one signal per field.
#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    name: RwSignal<String>,
    ae: RwSignal<String>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    tls: RwSignal<bool>,
    role: RwSignal<NodeRole>,
    jurisdiction: RwSignal<Jurisdiction>,
    notes: RwSignal<String>,
    clinics: RwSignal<Vec<i64>>,
}

fn parse_port(s: &str) -> Result<Port, domain::NetworkError> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| domain::NetworkError::Port)
        .and_then(Port::new)
}

impl Fields {
    fn new(f: NodeForm) -> Self {
        Self {
            id: f.id,
            name: RwSignal::new(f.name),
            ae: RwSignal::new(f.ae_title),
            host: RwSignal::new(f.host),
            port: RwSignal::new(f.port.to_string()),
            tls: RwSignal::new(f.tls),
            role: RwSignal::new(f.role),
            jurisdiction: RwSignal::new(f.jurisdiction),
            notes: RwSignal::new(f.notes),
            clinics: RwSignal::new(f.clinics),
        }
    }

    fn valid(self) -> bool {
        !self.name.get().trim().is_empty()
            && AeTitle::parse(&self.ae.get()).is_ok()
            && Host::parse(&self.host.get()).is_ok()
            && parse_port(&self.port.get()).is_ok()
            && !self.clinics.get().is_empty()
    }

    fn form(self) -> NodeForm {
        NodeForm {
            id: self.id,
            name: self.name.get_untracked(),
            ae_title: self.ae.get_untracked(),
            host: self.host.get_untracked(),
            port: parse_port(&self.port.get_untracked())
                .map(u32::from)
                .unwrap_or(0),
            tls: self.tls.get_untracked(),
            role: self.role.get_untracked(),
            jurisdiction: self.jurisdiction.get_untracked(),
            notes: self.notes.get_untracked(),
            clinics: self.clinics.get_untracked(),
        }
    }
}

fn address_inputs(f: Fields) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>{move || i18n.t(Msg::Name)}<input name="name" bind:value=f.name maxlength="128" /></label>
        <label>{move || i18n.t(Msg::AeTitle)}
            <input name="ae_title" bind:value=f.ae maxlength="16" autocomplete="off" />
            <small class="field-error">{move || field_error(i18n, &f.ae.get(), AeTitle::parse)}</small>
        </label>
        <div class="row">
            <label class="grow">{move || i18n.t(Msg::Host)}
                <input name="host" bind:value=f.host autocomplete="off" />
                <small class="field-error">{move || field_error(i18n, &f.host.get(), Host::parse)}</small>
            </label>
            <label>{move || i18n.t(Msg::Port)}
                <input name="port" bind:value=f.port inputmode="numeric" size="6" />
                <small class="field-error">{move || field_error(i18n, &f.port.get(), parse_port)}</small>
            </label>
        </div>
        <label class="check"><input type="checkbox" name="tls" bind:checked=f.tls />{move || i18n.t(Msg::Tls)}</label>
        <Show when=move || f.tls.get()>
            <small class="hint" id="tls-hint">{move || i18n.t(Msg::TlsHint)}</small>
        </Show>
    }
}

#[component]
pub fn NodeEditor(initial: NodeForm, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(initial);
    let save = ServerAction::<SaveNode>::new();
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/network",
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveNode { form: f.form() });
    };
    view! {
        <section class="card">
            <h1>{move || i18n.t(if f.id.is_some() { Msg::EditNode } else { Msg::NewNode })}</h1>
            <form on:submit=on_submit id="node-form">
                {address_inputs(f)}
                <label>{move || i18n.t(Msg::NodeRole)}
                    {enum_select(i18n, "role", NodeRole::ALL, f.role, NodeRole::as_str, node_role_msg)}
                </label>
                <label>{move || i18n.t(Msg::Jurisdiction)}
                    {enum_select(i18n, "jurisdiction", Jurisdiction::ALL, f.jurisdiction, Jurisdiction::as_str, jurisdiction_msg)}
                </label>
                <fieldset>
                    <legend>{move || i18n.t(Msg::Clinics)}</legend>
                    {clinic_checkboxes(clinics, f.clinics)}
                </fieldset>
                <label>{move || i18n.t(Msg::Notes)}<textarea name="notes" bind:value=f.notes rows="2"></textarea></label>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/network">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || !f.valid() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
