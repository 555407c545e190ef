//! Forwarding by C-STORE (PS3.4 Annex B, PS3.7 §9.1.1): the claimed instances of one study go on
//! one association, each sent in the transfer syntax it was received in (no transcoding), over
//! DICOM TLS to a node that requires it.

use super::{Item, Sent};
use crate::dimse::command;
use crate::dimse::scu::{self, Peer, Stream};
use dicom_ul::ClientAssociationOptions;
use dicom_ul::association::Error as UlError;
use dicom_ul::association::client::AsyncClientAssociation;
use dicom_ul::pdu::{AssociationRJResult, PresentationContextResultReason};
use domain::forward::{Verdict, classify_dimse};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::time::timeout;

/// A send on behalf of a C-MOVE (PS3.4 §C.4.2.3): the C-MOVE it serves, each outcome reported
/// as it comes, and a flag that stops it before the next instance (C-CANCEL).
pub struct Watch {
    pub origin: command::MoveOrigin,
    pub progress: mpsc::UnboundedSender<Sent>,
    pub stop: Arc<AtomicBool>,
}

/// Sends `items` to `peer` on one association (DICOM TLS if the node requires it, PS3.15
/// Annex B.1); one outcome per item, in order.
pub async fn send(calling: &str, peer: &Peer, limit: Duration, items: &[Item]) -> Vec<Sent> {
    send_watched(calling, peer, limit, items, None).await
}

/// [`send`], reporting to `watch`; a stopped send returns fewer outcomes than items.
pub async fn send_watched(
    calling: &str,
    peer: &Peer,
    limit: Duration,
    items: &[Item],
    watch: Option<&Watch>,
) -> Vec<Sent> {
    let opts = proposal(calling, peer, limit, items);
    let late = || vec![Sent::transient(None, "no association within the timeout"); items.len()];
    if peer.tls {
        return match timeout(limit, scu::open_tls(opts, peer)).await {
            Ok(Ok(assoc)) => send_on(assoc, limit, items, watch).await,
            Ok(Err(scu::TlsOpenError::Association(e))) => {
                vec![association_failure(e, "TLS association"); items.len()]
            }
            Ok(Err(e)) => vec![Sent::permanent(None, e.to_string()); items.len()],
            Err(_) => late(),
        };
    }
    let open = async {
        scu::open_plain(opts, (peer.host.as_str(), peer.port), limit)
            .await
            .map_err(|e| match e {
                scu::OpenError::Association(e) => association_failure(e, "association"),
                unanswered => Sent::transient(None, unanswered.to_string()),
            })
    };
    match timeout(limit, open).await {
        Ok(Ok(assoc)) => send_on(assoc, limit, items, watch).await,
        Ok(Err(e)) => vec![e; items.len()],
        Err(_) => late(),
    }
}

/// Sends `items` on the open association, then releases it (aborts it if it broke).
async fn send_on<S: Stream>(
    mut assoc: AsyncClientAssociation<S>,
    limit: Duration,
    items: &[Item],
    watch: Option<&Watch>,
) -> Vec<Sent> {
    let mut out = Vec::with_capacity(items.len());
    let origin = watch.map(|w| &w.origin);
    for (n, item) in items.iter().enumerate() {
        if watch.is_some_and(|w| w.stop.load(Ordering::Relaxed)) {
            break;
        }
        let msg_id = (n % 0xFFFF) as u16 + 1;
        let r = match context_for(&assoc, item) {
            Some(ctx) => {
                match timeout(limit, store_one(&mut assoc, ctx, msg_id, item, origin)).await {
                    Ok(r) => r,
                    Err(_) => Sent::transient(None, "no C-STORE response within the timeout"),
                }
            }
            None => Sent::permanent(
                None,
                format!(
                    "the peer accepted no presentation context for {} in {}",
                    item.sop_class, item.transfer_syntax
                ),
            ),
        };
        let broken = r.breaks_association();
        if let Some(w) = watch {
            let _ = w.progress.send(r.clone());
        }
        out.push(r);
        if broken {
            // The association is unusable: the rest are retried later.
            let rest = items.len() - out.len();
            out.extend(vec![Sent::transient(None, "association lost"); rest]);
            let _ = assoc.abort().await;
            return out;
        }
    }
    let _ = timeout(limit, assoc.release()).await;
    out
}

/// Proposes one presentation context per (SOP class, stored transfer syntax) pair (PS3.8 §9.3.2.2).
fn proposal(
    calling: &str,
    peer: &Peer,
    limit: Duration,
    items: &[Item],
) -> ClientAssociationOptions<'static> {
    let mut pairs: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.sop_class.as_str(), i.transfer_syntax.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut opts = ClientAssociationOptions::new()
        .calling_ae_title(calling.to_owned())
        .called_ae_title(peer.ae_title.clone())
        .connection_timeout(limit)
        .read_timeout(limit)
        .write_timeout(limit);
    for (class, ts) in pairs.into_iter().take(128) {
        opts = opts.with_presentation_context(class.to_owned(), vec![ts.to_owned()]);
    }
    opts
}

/// A-ASSOCIATE-RJ permanent (PS3.8 §9.3.4) is a configuration problem: dead letter; the rest
/// (refused connection, timeout, transient reject, abort) are retried.
fn association_failure(e: UlError, what: &str) -> Sent {
    match &e {
        UlError::Rejected { association_rj, .. }
            if association_rj.result == AssociationRJResult::Permanent =>
        {
            Sent::permanent(None, format!("{what} rejected: {e}"))
        }
        UlError::NoAcceptedPresentationContexts { .. } => Sent::permanent(
            None,
            "the peer accepted none of the proposed presentation contexts",
        ),
        _ => Sent::transient(None, format!("{what} failed: {}", scu::with_causes(&e))),
    }
}

fn context_for<S>(assoc: &AsyncClientAssociation<S>, item: &Item) -> Option<u8> {
    assoc
        .presentation_contexts()
        .iter()
        .find(|c| {
            c.reason == PresentationContextResultReason::Acceptance
                && c.abstract_syntax.trim_end_matches('\0') == item.sop_class
                && c.transfer_syntax.trim_end_matches('\0') == item.transfer_syntax
        })
        .map(|c| c.id)
}

async fn store_one<S: Stream>(
    assoc: &mut AsyncClientAssociation<S>,
    ctx: u8,
    msg_id: u16,
    item: &Item,
    origin: Option<&command::MoveOrigin>,
) -> Sent {
    let (data, start) = match super::read_verified(item).await {
        Ok(d) => d,
        Err(reason) => return Sent::permanent(None, reason),
    };
    let cmd = match command::store_request_for(msg_id, &item.sop_class, &item.sop_instance, origin)
    {
        Ok(c) => c,
        Err(e) => return Sent::permanent(None, e.to_string()),
    };
    if let Err(e) = scu::send_command(assoc, ctx, cmd).await {
        return Sent::lost(format!("send failed: {e}"));
    }
    let mut writer = assoc.send_pdata(ctx);
    if let Err(e) = writer.write_all(&data[start..]).await {
        return Sent::lost(format!("send failed: {e}"));
    }
    if let Err(e) = writer.finish().await {
        return Sent::lost(format!("send failed: {e}"));
    }
    response(assoc).await
}

/// Reads the C-STORE-RSP command set and classifies its status (PS3.4 §B.2.3).
async fn response<S: Stream>(assoc: &mut AsyncClientAssociation<S>) -> Sent {
    let bytes = match scu::receive_command(assoc).await {
        Ok(b) => b,
        Err(e) => return Sent::lost(e.to_string()),
    };
    match command::status_and_comment(&bytes) {
        Ok((status, comment)) => {
            let reason = || {
                format!(
                    "C-STORE status {status:#06x}{}",
                    comment
                        .as_deref()
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                )
            };
            match classify_dimse(status) {
                Verdict::Success => Sent::Ok(Some(status)),
                Verdict::Transient => Sent::transient(Some(status), reason()),
                Verdict::Permanent => Sent::permanent(Some(status), reason()),
            }
        }
        Err(e) => Sent::lost(format!("unreadable response: {e}")),
    }
}
