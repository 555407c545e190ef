//! Network configuration services: validation of the editor's forms, saving, reloading the AE
//! registry the listener reads, and C-ECHO from the UI's Test button.

use super::require_network as require;
use crate::db::network::{self, LocalAeWrite, NodeWrite};
use crate::dimse::scu::{self, Peer};
use crate::state::AppState;
use app::api::{ApiError, LocalAeForm, NodeForm};
use domain::views::{EchoOutcome, LocalAeView, RemoteNodeView, SessionUser};
use domain::{AeTitle, ClinicId, Host, Port};
use std::time::Duration;

/// Calling AE title used for C-ECHO from the UI.
const ECHO_CALLING_AE: &str = "PASSERELLE";
const ECHO_TIMEOUT: Duration = Duration::from_secs(10);

fn ae(raw: &str) -> Result<AeTitle, ApiError> {
    AeTitle::parse(raw).map_err(|e| ApiError::Invalid(e.to_string()))
}

/// Splits a list of AE titles typed by a person (spaces, commas, semicolons, new lines).
fn callers(raw: &str) -> Result<Vec<AeTitle>, ApiError> {
    let mut out: Vec<AeTitle> = raw
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(ae)
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

async fn reload(state: &AppState) -> Result<(), ApiError> {
    state
        .registry
        .reload(&state.db)
        .await
        .map_err(ApiError::from)
}

pub async fn local_aes(state: &AppState, user: &SessionUser) -> Result<Vec<LocalAeView>, ApiError> {
    require(user)?;
    Ok(network::local_aes(&state.db, &user.scope()).await?)
}

pub async fn save_local_ae(
    state: &AppState,
    user: &SessionUser,
    form: LocalAeForm,
) -> Result<LocalAeView, ApiError> {
    require(user)?;
    let write = LocalAeWrite {
        clinic: ClinicId(form.clinic),
        ae_title: ae(&form.ae_title)?,
        enabled: form.enabled,
        caller_policy: form.caller_policy,
        allowed_callers: callers(&form.allowed_callers)?,
        port: form
            .port
            .map(Port::new)
            .transpose()
            .map_err(|e| ApiError::Invalid(e.to_string()))?,
    };
    if let Some(p) = write.port
        && state.config.reserved_ports().contains(&p.get())
    {
        return Err(ApiError::Invalid(
            "this port is already Passerelle's DICOM or web port".into(),
        ));
    }
    if !user.scope().allows(write.clinic) {
        return Err(ApiError::Invalid("unknown clinic".into()));
    }
    let saved = network::save_local_ae(&state.db, form.id, write).await?;
    reload(state).await?;
    tracing::info!(by = %user.username, ae = %saved.ae_title, enabled = saved.enabled, "local AE saved");
    Ok(saved)
}

pub async fn nodes(state: &AppState, user: &SessionUser) -> Result<Vec<RemoteNodeView>, ApiError> {
    require(user)?;
    Ok(network::nodes(&state.db, &user.scope()).await?)
}

pub async fn save_node(
    state: &AppState,
    user: &SessionUser,
    form: NodeForm,
) -> Result<RemoteNodeView, ApiError> {
    require(user)?;
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::Invalid("name: 1–128 printable characters".into()));
    }
    if form.clinics.is_empty() {
        return Err(ApiError::Invalid(
            "a node serves at least one clinic".into(),
        ));
    }
    let write = NodeWrite {
        name,
        ae_title: ae(&form.ae_title)?,
        host: Host::parse(&form.host).map_err(|e| ApiError::Invalid(e.to_string()))?,
        port: Port::new(form.port).map_err(|e| ApiError::Invalid(e.to_string()))?,
        tls: form.tls,
        role: form.role,
        jurisdiction: form.jurisdiction,
        notes: form.notes.trim().to_owned(),
        clinics: form.clinics.iter().map(|c| ClinicId(*c)).collect(),
    };
    if let Some(id) = form.id {
        network::node(&state.db, &user.scope(), id).await?;
    }
    let saved = network::save_node(&state.db, form.id, write).await?;
    reload(state).await?;
    tracing::info!(by = %user.username, node = %saved.name, ae = %saved.ae_title, "remote node saved");
    Ok(saved)
}

pub async fn echo_node(
    state: &AppState,
    user: &SessionUser,
    id: i64,
) -> Result<EchoOutcome, ApiError> {
    require(user)?;
    let node = network::node(&state.db, &user.scope(), id).await?;
    let peer = Peer {
        ae_title: node.ae_title.to_string(),
        host: node.host.to_string(),
        port: node.port.get(),
        tls: node.tls,
    };
    let start = std::time::Instant::now();
    let outcome = match scu::echo(ECHO_CALLING_AE, &peer, ECHO_TIMEOUT).await {
        Ok(rtt) => EchoOutcome {
            ok: true,
            millis: rtt.as_secs_f64() * 1000.0,
            message: "success".into(),
        },
        Err(e) => EchoOutcome {
            ok: false,
            millis: start.elapsed().as_secs_f64() * 1000.0,
            message: e.to_string(),
        },
    };
    tracing::info!(by = %user.username, node = %node.name, ok = outcome.ok, ms = outcome.millis, "C-ECHO test");
    Ok(outcome)
}
