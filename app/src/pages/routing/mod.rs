//! Routing administration: destinations (transport, limits, Law 25 assessment) and the ordered
//! rules, global and per clinic, with move up / down and delete.

use crate::api::{
    ApiError, ApplyRuleAction, list_clinics, list_destinations, list_nodes, list_rules,
};
use crate::i18n::{I18n, Msg, Rt, jurisdiction_msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_code};
use domain::destination::{DestinationView, Transport};
use domain::transfers::{RuleAction, RuleView};
use domain::views::{ClinicView, RemoteNodeView};
use domain::{ClinicId, Jurisdiction};
use leptos::prelude::*;

pub mod destination_editor;
pub mod rule_editor;

/// Everything the routing pages need.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RoutingData {
    pub destinations: Vec<DestinationView>,
    pub rules: Vec<RuleView>,
    pub nodes: Vec<RemoteNodeView>,
    pub clinics: Vec<ClinicView>,
}

pub(crate) async fn load() -> Result<RoutingData, ApiError> {
    Ok(RoutingData {
        destinations: list_destinations().await?,
        rules: list_rules().await?,
        nodes: list_nodes().await?,
        clinics: list_clinics().await?,
    })
}

fn destination_rows(i18n: I18n, d: &RoutingData) -> impl IntoView + use<> {
    let rows = d
        .destinations
        .iter()
        .map(|x| {
            let (jur, transport) = (x.jurisdiction, x.transport);
            let pia_needed = jur != Jurisdiction::Quebec && x.pia.is_none();
            let (enabled, paused) = (x.enabled, x.paused);
            view! {
                <tr>
                    <td><a href=format!("/admin/routing/destinations/{}", x.id)>{x.name.to_string()}</a></td>
                    <td>{x.node_name.clone()} " (" {x.node_ae.clone()} ")"</td>
                    <td>{move || i18n.r(if transport == Transport::Stow { Rt::TransportStow } else { Rt::TransportDimse })}</td>
                    <td>{move || i18n.t(jurisdiction_msg(jur))}
                        {pia_needed.then(|| view! { <br /><small class="bad">{move || i18n.r(Rt::PiaMissing)}</small> })}
                    </td>
                    <td>{move || if !enabled { i18n.r(Rt::Disabled) } else if paused { i18n.r(Rt::Paused) } else { i18n.t(Msg::Enabled) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="destinations">
            <thead><tr>
                <th>{move || i18n.t(Msg::Name)}</th><th>{move || i18n.r(Rt::Node)}</th>
                <th>{move || i18n.r(Rt::Transport)}</th><th>{move || i18n.t(Msg::Jurisdiction)}</th>
                <th>{move || i18n.t(Msg::Status)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn scope_label(i18n: I18n, clinics: &[ClinicView], c: Option<ClinicId>) -> impl IntoView + use<> {
    match c {
        Some(id) => clinic_code(clinics, id).into_any(),
        None => view! { {move || i18n.r(Rt::Global)} }.into_any(),
    }
}

fn rule_rows(
    i18n: I18n,
    d: &RoutingData,
    act: ServerAction<ApplyRuleAction>,
) -> impl IntoView + use<> {
    let rows = d
        .rules
        .iter()
        .map(|r| {
            let id = r.id;
            let (enabled, stop, fallback) = (r.rule.enabled, r.rule.action == domain::routing::Action::Stop, r.rule.fallback);
            let button = move |a: RuleAction, label: Rt, class: &'static str| view! {
                <button class=format!("secondary small {class}") title=move || i18n.r(label)
                    on:click=move |_| { act.dispatch(ApplyRuleAction { id, action: a }); }>
                    {match a { RuleAction::Up => "↑", RuleAction::Down => "↓", RuleAction::Delete => "✕" }}
                </button>
            };
            view! {
                <tr class:muted=!enabled>
                    <td>{scope_label(i18n, &d.clinics, r.clinic)}</td>
                    <td><a href=format!("/admin/routing/rules/{id}")>{r.rule.name.clone()}</a>
                        {fallback.then(|| view! { " " <small>"(" {move || i18n.r(Rt::Fallback)} ")"</small> })}
                    </td>
                    <td>{r.rule.destinations.join(", ")}</td>
                    <td>{move || i18n.r(if stop { Rt::ActionStop } else { Rt::ActionContinue })}</td>
                    <td class="nowrap">
                        {button(RuleAction::Up, Rt::MoveUp, "up")}
                        {button(RuleAction::Down, Rt::MoveDown, "down")}
                        {button(RuleAction::Delete, Rt::Delete, "delete")}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="rules">
            <thead><tr>
                <th>{move || i18n.r(Rt::AppliesTo)}</th><th>{move || i18n.t(Msg::Name)}</th>
                <th>{move || i18n.r(Rt::Destinations)}</th><th>{move || i18n.r(Rt::WhenMatched)}</th><th>{move || i18n.t(Msg::Actions)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
pub fn RoutingPage() -> impl IntoView {
    let i18n = use_i18n();
    let act = ServerAction::<ApplyRuleAction>::new();
    let data = Resource::new(move || act.version().get(), |_| load());
    view! {
        <h1>{move || i18n.r(Rt::NavRouting)}</h1>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <div class="titlebar">
                            <h2>{move || i18n.r(Rt::Destinations)}</h2>
                            <a class="button" id="new-destination" href="/admin/routing/destinations/new">{move || i18n.r(Rt::NewDestination)}</a>
                        </div>
                        {destination_rows(i18n, &d)}
                        <div class="titlebar spaced">
                            <h2>{move || i18n.r(Rt::Rules)}</h2>
                            <a class="button" id="new-rule" href="/admin/routing/rules/new">{move || i18n.r(Rt::NewRule)}</a>
                        </div>
                        {rule_rows(i18n, &d, act)}
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
        {move || act.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
    }
}
