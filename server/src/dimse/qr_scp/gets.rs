//! C-GET sub-operations (PS3.4 §C.4.3.3): each instance goes back on the requesting association
//! as a C-STORE-RQ on a presentation context the requestor accepted for its SOP class (taking
//! the SCP role, PS3.7 §D.3.3.4): in the transfer syntax it is held in, or, for an uncompressed
//! instance, re-encoded losslessly in the uncompressed syntax the context accepted (implicit or
//! explicit VR little endian, PS3.5 §10.1, §10.2); a compressed instance is never decoded. Its
//! C-STORE-RSP is then awaited. A C-CANCEL-RQ, read between sub-operations or while waiting,
//! stops them after the current one.

use super::super::command::{self, Request};
use super::super::find_scp::cancelled;
use super::super::qr::UNCOMPRESSED;
use super::super::scu::Stream;
use super::super::service::{
    Assoc, ServiceError, Session, await_response, send_command, send_dataset,
};
use super::retrieve::{Tally, pending};
use crate::queue::{Item, Sent, read_verified};
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::pdu::PresentationContextResultReason;
use domain::forward::{Verdict, classify_dimse};

/// PS3.7 §E.1: C-STORE-RSP.
const C_STORE_RSP: u16 = 0x8001;

pub async fn run<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    context: u8,
    req: &Request,
    items: Vec<Item>,
) -> Result<Tally, ServiceError> {
    let mut tally = Tally::new(items.len());
    for (n, item) in items.iter().enumerate() {
        if tally.cancelled || cancelled(assoc).await? {
            tally.cancelled = true;
            break;
        }
        let sent = match context_for(assoc, item) {
            Some((ctx, ts)) => {
                let msg = (n % 0xFFFF) as u16 + 1;
                store(assoc, s, (ctx, &ts), msg, item, &mut tally).await?
            }
            None => Sent::permanent(
                None,
                format!(
                    "no presentation context for {} in {}",
                    item.sop_class, item.transfer_syntax
                ),
            ),
        };
        if let Sent::Failed { reason, .. } = &sent {
            tracing::info!(sop = %item.sop_instance, reason = %reason, "C-GET sub-operation failed");
        }
        tally.count(&item.sop_instance, &sent);
        if tally.ops.remaining != Some(0) && !tally.cancelled {
            pending(assoc, context, req, &tally).await?;
        }
    }
    Ok(tally)
}

/// The context to send `item` on and its transfer syntax: one in the item's own syntax, else
/// an uncompressed one when the item is uncompressed.
fn context_for<S>(assoc: &Assoc<S>, item: &Item) -> Option<(u8, String)> {
    let accepted: Vec<(u8, &str)> = assoc
        .presentation_contexts()
        .iter()
        .filter(|c| {
            c.reason == PresentationContextResultReason::Acceptance
                && c.abstract_syntax.trim_end_matches('\0') == item.sop_class
        })
        .map(|c| (c.id, c.transfer_syntax.trim_end_matches('\0')))
        .collect();
    let own = accepted.iter().find(|(_, ts)| *ts == item.transfer_syntax);
    let plain = || {
        accepted.iter().find(|(_, ts)| {
            UNCOMPRESSED.contains(ts) && UNCOMPRESSED.contains(&item.transfer_syntax.as_str())
        })
    };
    own.or_else(plain).map(|(id, ts)| (*id, (*ts).to_owned()))
}

/// The data set re-encoded from one uncompressed transfer syntax to another.
fn transcode(data: &[u8], from: &str, to: &str) -> Result<Vec<u8>, String> {
    let (Some(from), Some(to)) = (
        TransferSyntaxRegistry.get(from),
        TransferSyntaxRegistry.get(to),
    ) else {
        return Err("transfer syntax not supported".into());
    };
    let obj = InMemDicomObject::read_dataset_with_ts(data, from)
        .map_err(|e| format!("the held copy cannot be read: {e}"))?;
    let mut out = Vec::with_capacity(data.len() + 1024);
    obj.write_dataset_with_ts(&mut out, to)
        .map_err(|e| format!("cannot re-encode the instance: {e}"))?;
    Ok(out)
}

/// One C-STORE sub-operation; `Err` only when the association itself fails.
async fn store<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    (ctx, ts): (u8, &str),
    msg_id: u16,
    item: &Item,
    tally: &mut Tally,
) -> Result<Sent, ServiceError> {
    let (mut data, mut start) = match read_verified(item).await {
        Ok(d) => d,
        Err(reason) => return Ok(Sent::permanent(None, reason)),
    };
    if ts != item.transfer_syntax {
        match transcode(&data[start..], &item.transfer_syntax, ts) {
            Ok(d) => (data, start) = (d, 0),
            Err(reason) => return Ok(Sent::permanent(None, reason)),
        }
    }
    let cmd = command::store_request(msg_id, &item.sop_class, &item.sop_instance)?;
    send_command(assoc, ctx, cmd).await?;
    send_dataset(assoc, ctx, &data[start..]).await?;
    let cancel = Some(&mut tally.cancelled);
    let rsp = await_response(assoc, s.idle, C_STORE_RSP, cancel).await?;
    let (status, comment) = command::status_and_comment(&rsp)?;
    let reason = || {
        format!(
            "C-STORE status {status:#06x}{}",
            comment.map(|c| format!(": {c}")).unwrap_or_default()
        )
    };
    Ok(match classify_dimse(status) {
        Verdict::Success => Sent::Ok(Some(status)),
        Verdict::Transient | Verdict::Permanent => Sent::permanent(Some(status), reason()),
    })
}
