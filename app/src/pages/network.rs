//! Network administration: local AE titles and remote nodes, with a C-ECHO Test button per node.

use crate::api::{ApiError, EchoNode, list_clinics, list_local_aes, list_nodes};
use crate::i18n::{I18n, Msg, jurisdiction_msg, node_role_msg, policy_msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_code, clinic_codes};
use domain::views::{ClinicView, LocalAeView, RemoteNodeView};
use leptos::prelude::*;

pub mod editors;
pub mod node_editor;

/// Everything the network page shows.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct NetworkData {
    pub aes: Vec<LocalAeView>,
    pub nodes: Vec<RemoteNodeView>,
    pub clinics: Vec<ClinicView>,
}

pub(crate) async fn load() -> Result<NetworkData, ApiError> {
    Ok(NetworkData {
        aes: list_local_aes().await?,
        nodes: list_nodes().await?,
        clinics: list_clinics().await?,
    })
}

fn ae_rows(i18n: I18n, d: &NetworkData) -> impl IntoView + use<> {
    let rows = d
        .aes
        .iter()
        .map(|a| {
            let (policy, enabled) = (a.caller_policy, a.enabled);
            let listed = a.allowed_callers.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
            view! {
                <tr>
                    <td><a href=format!("/admin/network/aes/{}", a.id)>{a.ae_title.to_string()}</a></td>
                    <td>{clinic_code(&d.clinics, a.clinic)}</td>
                    <td>{move || i18n.t(policy_msg(policy))} " " <small>{listed.clone()}</small></td>
                    <td>{a.port.map(|p| p.get().to_string()).unwrap_or_default()}</td>
                    <td>{move || i18n.t(if enabled { Msg::Enabled } else { Msg::Inactive })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="local-aes">
            <thead><tr>
                <th>{move || i18n.t(Msg::AeTitle)}</th>
                <th>{move || i18n.t(Msg::Clinic)}</th>
                <th>{move || i18n.t(Msg::Callers)}</th>
                <th>{move || i18n.t(Msg::Port)}</th>
                <th>{move || i18n.t(Msg::Status)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The Test button and its result (C-ECHO with round-trip time).
#[component]
fn EchoButton(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let echo = ServerAction::<EchoNode>::new();
    let pending = echo.pending();
    let result = move || {
        echo.value().get().map(|r| match r {
            Ok(o) if o.ok => view! {
                <span class="ok">{move || i18n.t(Msg::EchoOk)} " · " {format!("{:.1} ms", o.millis)}</span>
            }
            .into_any(),
            Ok(o) => view! { <span class="bad">{move || i18n.t(Msg::EchoFailed)} " · " {o.message.clone()}</span> }
                .into_any(),
            Err(error) => view! { <ErrorMsg error /> }.into_any(),
        })
    };
    view! {
        <button class="secondary test" disabled=move || pending.get() on:click=move |_| {
            echo.dispatch(EchoNode { id });
        }>
            {move || i18n.t(if pending.get() { Msg::Testing } else { Msg::Test })}
        </button>
        <span class="echo-result" aria-live="polite">{result}</span>
    }
}

fn node_rows(i18n: I18n, d: &NetworkData) -> impl IntoView + use<> {
    let rows = d
        .nodes
        .iter()
        .map(|n| {
            let (role, jur, id) = (n.role, n.jurisdiction, n.id);
            let clinics = clinic_codes(&d.clinics, &n.clinics);
            view! {
                <tr>
                    <td><a href=format!("/admin/network/nodes/{id}")>{n.name.clone()}</a></td>
                    <td>{n.ae_title.to_string()} "@" {n.host.to_string()} ":" {n.port.get()}
                        {n.tls.then(|| view! { " " <span class="badge" title="DICOM TLS">"TLS"</span> })}</td>
                    <td>{move || i18n.t(node_role_msg(role))}</td>
                    <td>{move || i18n.t(jurisdiction_msg(jur))}</td>
                    <td>{clinics}</td>
                    <td class="nowrap"><EchoButton id /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="nodes">
            <thead><tr>
                <th>{move || i18n.t(Msg::Name)}</th>
                <th>{move || i18n.t(Msg::AeTitle)}</th>
                <th>{move || i18n.t(Msg::NodeRole)}</th>
                <th>{move || i18n.t(Msg::Jurisdiction)}</th>
                <th>{move || i18n.t(Msg::Clinics)}</th>
                <th>{move || i18n.t(Msg::Test)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
pub fn NetworkPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| load());
    view! {
        <h1>{move || i18n.t(Msg::NavNetwork)}</h1>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <div class="titlebar">
                            <h2>{move || i18n.t(Msg::LocalAes)}</h2>
                            <a class="button" id="new-ae" href="/admin/network/aes/new">{move || i18n.t(Msg::NewLocalAe)}</a>
                        </div>
                        {ae_rows(i18n, &d)}
                        <div class="titlebar spaced">
                            <h2>{move || i18n.t(Msg::RemoteNodes)}</h2>
                            <a class="button" id="new-node" href="/admin/network/nodes/new">{move || i18n.t(Msg::NewNode)}</a>
                        </div>
                        {node_rows(i18n, &d)}
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
