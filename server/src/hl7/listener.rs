//! The MLLP listeners: `[hl7] listen` (plain) and `[hl7] tls_listen` (TLS only, with the same
//! certificate handling as DICOM TLS: files followed, callers' certificates checked when
//! `tls_client_ca_file` is set). Connections beyond `max_connections` are closed at once.

use super::session::{self, Limits};
use crate::state::AppState;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Binds the configured listeners and serves them in the background; returns their addresses.
pub async fn start(state: &AppState) -> anyhow::Result<Vec<SocketAddr>> {
    let h = &state.config.hl7;
    let slots = Arc::new(Semaphore::new(
        usize::try_from(h.max_connections).unwrap_or(32),
    ));
    let mut bound = Vec::new();
    if let Some(addr) = h.listen {
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (hl7.listen)"))?;
        bound.push(l.local_addr()?);
        tokio::spawn(accept(state.clone(), l, slots.clone(), None));
    }
    if let Some(addr) = h.tls_listen {
        let tls = crate::dimse::tls::server_source(&state.config.hl7_tls())
            .context("HL7 TLS listener ([hl7] tls_*)")?;
        let l = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (hl7.tls_listen)"))?;
        bound.push(l.local_addr()?);
        tokio::spawn(accept(state.clone(), l, slots, Some(tls)));
    }
    for a in &bound {
        tracing::info!(addr = %a, "HL7 MLLP listener");
    }
    Ok(bound)
}

type TlsSource = Arc<crate::dimse::reload::Reloading<rustls::ServerConfig>>;

async fn accept(state: AppState, l: TcpListener, slots: Arc<Semaphore>, tls: Option<TlsSource>) {
    loop {
        let (socket, peer) = match l.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "HL7 accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "HL7 connection refused: hl7.max_connections reached");
            drop(socket);
            continue;
        };
        let _ = socket.set_nodelay(true);
        let (state, tls) = (state.clone(), tls.clone());
        tokio::spawn(async move {
            let end = connection(state, socket, peer, tls).await;
            tracing::debug!(%peer, %end, "HL7 connection ended");
            drop(permit);
        });
    }
}

async fn connection(
    state: AppState,
    socket: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsSource>,
) -> String {
    let limits = Limits::of(&state);
    let who = peer.to_string();
    match tls {
        None => session::serve(state, socket, who, limits).await.to_string(),
        Some(source) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(source.current());
            match tokio::time::timeout(limits.frame, acceptor.accept(socket)).await {
                Ok(Ok(stream)) => session::serve(state, stream, who, limits).await.to_string(),
                Ok(Err(e)) => format!("TLS handshake failed: {e}"),
                Err(_) => "TLS handshake timed out".into(),
            }
        }
    }
}
