//! C-MOVE sub-operations (PS3.4 §C.4.2.3): one association from the called AE title to the Move
//! Destination, opened by the forward path's sender (`queue::dimse`), each C-STORE naming the
//! C-MOVE it serves. A pending C-MOVE-RSP follows each outcome; a C-CANCEL-RQ stops the sender
//! before its next instance.

use super::super::command::{MoveOrigin, Request};
use super::super::find_scp::cancelled;
use super::super::scu::{Peer, Stream};
use super::super::service::{Assoc, ServiceError, Session};
use super::retrieve::{Tally, pending};
use crate::queue::dimse::{Watch, send_watched};
use crate::queue::{Item, Sent};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest wait for the destination: to associate, and for each C-STORE-RSP.
const LIMIT: Duration = Duration::from_secs(30);

pub async fn run<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    context: u8,
    req: &Request,
    peer: &Peer,
    items: Vec<Item>,
) -> Result<Tally, ServiceError> {
    let mut tally = Tally::new(items.len());
    if items.is_empty() {
        return Ok(tally);
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let watch = Watch {
        origin: MoveOrigin {
            ae_title: s.calling.clone(),
            message_id: req.message_id,
        },
        progress: tx,
        stop: stop.clone(),
    };
    let (calling, peer2, items2) = (s.called.clone(), peer.clone(), items.clone());
    let sender =
        tokio::spawn(
            async move { send_watched(&calling, &peer2, LIMIT, &items2, Some(&watch)).await },
        );
    let mut reported = 0;
    while let Some(sent) = rx.recv().await {
        tally.count(&items[reported].sop_instance, &sent);
        reported += 1;
        if tally.ops.remaining != Some(0) {
            pending(assoc, context, req, &tally).await?;
        }
        if !tally.cancelled && cancelled(assoc).await? {
            tally.cancelled = true;
            stop.store(true, Ordering::Relaxed);
        }
    }
    let outcomes = sender.await.unwrap_or_default();
    // Outcomes never reported (the association to the destination failed as a whole).
    for (item, sent) in items.iter().zip(&outcomes).skip(reported) {
        tally.count(&item.sop_instance, sent);
    }
    if outcomes.len() < items.len() && !tally.cancelled {
        // The sender task died: what it did not send failed.
        for item in &items[outcomes.len().max(reported)..] {
            tally.count(&item.sop_instance, &Sent::lost("not sent"));
        }
    }
    if let Some(Sent::Failed { reason, .. }) = outcomes.iter().find(|o| !matches!(o, Sent::Ok(_))) {
        tracing::warn!(destination = %peer.ae_title, reason = %reason, "C-MOVE sub-operation failed");
    }
    Ok(tally)
}
