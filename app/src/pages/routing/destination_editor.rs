//! The destination editor: node, transport (C-STORE or STOW-RS with its URL and credentials;
//! a stored secret is never shown back), limits, retry policy, and the Law 25 assessment for a
//! node outside Quebec. Validated in the browser with the domain types.

use super::{RoutingData, load};
use crate::api::{RecordPia, SaveDestination};
use crate::i18n::{Msg, Rt, use_i18n};
use crate::pages::editor_page;
use crate::widgets::{ErrorMsg, navigate_when};
use domain::Jurisdiction;
use domain::destination::{
    AuthKind, DestinationInput, DestinationName, DestinationView, Transport,
};
use domain::forward::RetryPolicy;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    name: RwSignal<String>,
    node: RwSignal<i64>,
    stow: RwSignal<bool>,
    url: RwSignal<String>,
    auth: RwSignal<String>,
    user: RwSignal<String>,
    secret: RwSignal<String>,
    enabled: RwSignal<bool>,
    concurrency: RwSignal<String>,
    timeout: RwSignal<String>,
    base: RwSignal<String>,
    max: RwSignal<String>,
    attempts: RwSignal<String>,
}

impl Fields {
    fn new(d: Option<&DestinationView>, first_node: i64) -> Self {
        let retry = d.map(|d| d.retry).unwrap_or_default();
        let s = |v: String| RwSignal::new(v);
        Self {
            id: d.map(|d| d.id),
            name: s(d.map(|d| d.name.to_string()).unwrap_or_default()),
            node: RwSignal::new(d.map_or(first_node, |d| d.node_id)),
            stow: RwSignal::new(d.is_some_and(|d| d.transport == Transport::Stow)),
            url: s(d.map(|d| d.stow_url.clone()).unwrap_or_default()),
            auth: s(d.map_or("none", |d| d.auth.as_str()).to_owned()),
            user: s(d.map(|d| d.auth_user.clone()).unwrap_or_default()),
            secret: s(String::new()),
            enabled: RwSignal::new(d.is_none_or(|d| d.enabled)),
            concurrency: s(d.map_or(2, |d| d.max_concurrency).to_string()),
            timeout: s(d.map_or(30, |d| d.timeout_seconds).to_string()),
            base: s(retry.base_seconds.to_string()),
            max: s(retry.max_seconds.to_string()),
            attempts: s(retry.max_attempts.to_string()),
        }
    }

    fn input(self) -> Result<DestinationInput, String> {
        let num = |s: RwSignal<String>| s.get().trim().parse::<u32>().map_err(|e| e.to_string());
        let secret = self.secret.get();
        let input = DestinationInput {
            name: DestinationName::parse(&self.name.get()).map_err(|e| e.to_string())?,
            node_id: self.node.get(),
            transport: if self.stow.get() {
                Transport::Stow
            } else {
                Transport::Dimse
            },
            stow_url: self.url.get(),
            auth: AuthKind::parse(&self.auth.get()).unwrap_or_default(),
            auth_user: self.user.get(),
            secret: (!secret.is_empty()).then_some(secret),
            enabled: self.enabled.get(),
            max_concurrency: num(self.concurrency)?,
            retry: RetryPolicy {
                base_seconds: num(self.base)?,
                max_seconds: num(self.max)?,
                max_attempts: num(self.attempts)?,
            },
            timeout_seconds: num(self.timeout)?,
        };
        input.validate().map_err(|e| e.to_string())?;
        Ok(input)
    }
}

fn num_input(label: Rt, name: &'static str, sig: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! { <label>{move || i18n.r(label)}<input name=name bind:value=sig inputmode="numeric" size="6" /></label> }
}

fn stow_inputs(f: Fields, has_secret: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="stow" class:hidden=move || !f.stow.get()>
            <label>{move || i18n.r(Rt::StowUrl)}<input name="stow_url" bind:value=f.url placeholder="https://vna.example/dicom-web" /></label>
            <div class="row">
                <label>{move || i18n.r(Rt::Auth)}
                    <select name="auth" on:change=move |ev| f.auth.set(event_target_value(&ev))>
                        {[("none", Rt::AuthNone), ("basic", Rt::AuthBasic), ("bearer", Rt::AuthBearer)].into_iter().map(|(v, m)| view! {
                            <option value=v selected=move || f.auth.get() == v>{move || i18n.r(m)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="grow">{move || i18n.r(Rt::AuthUser)}<input name="auth_user" bind:value=f.user autocomplete="off" /></label>
            </div>
            <label>{move || i18n.r(Rt::Secret)}
                <input name="secret" type="password" bind:value=f.secret autocomplete="new-password" />
                {has_secret.then(|| view! { <small>{move || i18n.r(Rt::SecretKept)}</small> })}
            </label>
        </div>
    }
}

fn pia_section(d: &DestinationView) -> impl IntoView + use<> {
    let i18n = use_i18n();
    let record = ServerAction::<RecordPia>::new();
    let reference = RwSignal::new(String::new());
    let id = d.id;
    let existing = d.pia.clone();
    view! {
        <fieldset class="pia">
            <legend>{move || i18n.r(Rt::Pia)}</legend>
            {match existing {
                Some(p) => view! { <p>{p.reference.clone()} " · " {move || i18n.r(Rt::PiaRecordedBy)} " " {p.recorded_by.clone()}</p> }.into_any(),
                None => view! {
                    <p class="bad">{move || i18n.r(Rt::PiaMissing)}</p>
                    <label>{move || i18n.r(Rt::PiaReference)}<input name="pia_reference" bind:value=reference /></label>
                    <button type="button" id="record-pia" disabled=move || reference.get().trim().is_empty()
                        on:click=move |_| { record.dispatch(RecordPia { id, reference: reference.get_untracked() }); }>
                        {move || i18n.r(Rt::PiaRecord)}
                    </button>
                    {move || record.value().get().map(|r| match r {
                        Ok(_) => view! { <p class="ok">{move || i18n.t(Msg::Saved)}</p> }.into_any(),
                        Err(error) => view! { <ErrorMsg error /> }.into_any(),
                    })}
                }.into_any(),
            }}
        </fieldset>
    }
}

#[component]
fn DestinationForm(data: RoutingData, id: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let current = id.and_then(|id| data.destinations.iter().find(|d| d.id == id).cloned());
    let f = Fields::new(current.as_ref(), data.nodes.first().map_or(0, |n| n.id));
    let save = ServerAction::<SaveDestination>::new();
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/routing",
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(input) = f.input() {
            save.dispatch(SaveDestination { id: f.id, input });
        }
    };
    let nodes = data.nodes.clone();
    let abroad = current
        .as_ref()
        .filter(|d| d.jurisdiction != Jurisdiction::Quebec)
        .cloned();
    view! {
        <section class="card">
            <h1>{move || i18n.r(if f.id.is_some() { Rt::EditDestination } else { Rt::NewDestination })}</h1>
            <form on:submit=on_submit id="destination-form">
                <label>{move || i18n.t(Msg::Name)}<input name="name" bind:value=f.name maxlength="64" /></label>
                <label>{move || i18n.r(Rt::Node)}
                    <select name="node" on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { f.node.set(v) } }>
                        {nodes.into_iter().map(|n| { let nid = n.id; view! {
                            <option value=nid.to_string() selected=move || f.node.get() == nid>{n.name.clone()} " — " {n.ae_title.to_string()}</option>
                        }}).collect_view()}
                    </select>
                </label>
                <label class="check"><input type="checkbox" name="stow" bind:checked=f.stow />{move || i18n.r(Rt::TransportStow)}</label>
                {stow_inputs(f, current.as_ref().is_some_and(|d| d.has_secret))}
                <div class="row">
                    {num_input(Rt::Concurrency, "max_concurrency", f.concurrency)}
                    {num_input(Rt::TimeoutSeconds, "timeout_seconds", f.timeout)}
                </div>
                <div class="row">
                    {num_input(Rt::RetryBase, "retry_base", f.base)}
                    {num_input(Rt::RetryMax, "retry_max", f.max)}
                    {num_input(Rt::RetryAttempts, "retry_attempts", f.attempts)}
                </div>
                <label class="check"><input type="checkbox" name="enabled" bind:checked=f.enabled />{move || i18n.t(Msg::Enabled)}</label>
                <small class="field-error">{move || f.input().err()}</small>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/routing">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || f.input().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
            {abroad.as_ref().map(pia_section)}
        </section>
    }
}

#[component]
pub fn DestinationEditPage() -> impl IntoView {
    editor_page(load, |id, data| Ok(view! { <DestinationForm data id /> }))
}
