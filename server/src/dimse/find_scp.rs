//! C-FIND as an SCP (PS3.7 §9.1.2): the worklist of the called AE's clinic (PS3.4 §K.4.1), or
//! its index for the Query/Retrieve classes (§C.4.1, `qr_scp`). One
//! pending response with its identifier per match, a poll for C-CANCEL-RQ (§9.3.2.3) before
//! each, then the final status: success, cancel (FE00), A900 for an identifier that cannot be
//! read or a malformed key (the tag named in the Error Comment), C000 when the database fails.

use super::command::{self, C_CANCEL_RQ, Request, STATUS_SUCCESS, STATUS_UNRECOGNIZED_OPERATION};
use super::dataset::{self, ReadError};
use super::scu::Stream;
use super::service::{Assoc, ServiceError, Session, respond, send_command, send_dataset};
use super::worklist::{self as mwl, MWL_FIND};
use crate::workflow::worklist::{self as service, WorklistError};
use dicom_ul::Pdu;
use dicom_ul::pdu::PDataValueType;
use futures_util::FutureExt;

/// Answers one C-FIND-RQ whose identifier is `data`.
pub async fn answer<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    context: u8,
    req: &Request,
    data: &[u8],
) -> Result<(), ServiceError> {
    let Some(ingest) = &s.ingest else {
        return respond(assoc, context, req, STATUS_UNRECOGNIZED_OPERATION, None).await;
    };
    let (id, ts) = match dataset::read(assoc, context, data) {
        Ok(x) => x,
        Err(e @ ReadError::Syntax) => {
            let why = e.to_string();
            return respond(assoc, context, req, mwl::UNABLE_TO_PROCESS, Some(&why)).await;
        }
        Err(ReadError::Unreadable(e)) => {
            tracing::info!(error = %e, "C-FIND identifier unreadable");
            let why = "identifier cannot be read";
            return respond(assoc, context, req, mwl::IDENTIFIER_MISMATCH, Some(why)).await;
        }
    };
    if req.affected_sop_class != MWL_FIND {
        return super::qr_scp::find(assoc, s, ingest.db(), context, req, (&id, ts)).await;
    }
    let keys = mwl::keys(&id);
    let entries = match service::find(ingest.db(), s.clinic, &keys, 0).await {
        Ok(e) => e,
        Err(WorklistError::Key(e)) => {
            let why = e.to_string();
            return respond(assoc, context, req, mwl::IDENTIFIER_MISMATCH, Some(&why)).await;
        }
        Err(WorklistError::Repo(e)) => {
            tracing::error!(error = %e, "worklist query failed");
            let why = "the worklist is unavailable";
            return respond(assoc, context, req, mwl::UNABLE_TO_PROCESS, Some(why)).await;
        }
    };
    crate::telemetry::worklist_query(entries.len());
    let cs = mwl::charset(&id, &entries);
    for e in &entries {
        if cancelled(assoc).await? {
            return respond(assoc, context, req, mwl::CANCELLED, None).await;
        }
        let mut unknown = false;
        let mut out = mwl::project(&id, &mwl::full(e), &mut unknown);
        out.put(dicom_core::DataElement::new(
            dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET,
            dicom_core::VR::CS,
            dicom_core::PrimitiveValue::from(
                dicom_encoding::text::TextCodec::name(&cs).into_owned(),
            ),
        ));
        let mut bytes = Vec::with_capacity(1024);
        out.write_dataset_with_ts_cs(&mut bytes, ts, cs.clone())
            .map_err(|e| ServiceError::Ul(format!("cannot encode an answer: {e}")))?;
        let status = if unknown {
            mwl::PENDING_UNSUPPORTED_KEYS
        } else {
            mwl::PENDING
        };
        send_pending(assoc, context, req, status, &bytes).await?;
    }
    respond(assoc, context, req, STATUS_SUCCESS, None).await
}

/// A pending response and its identifier (split into PDUs the peer accepts).
pub(super) async fn send_pending<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    status: u16,
    identifier: &[u8],
) -> Result<(), ServiceError> {
    let cmd = command::response_with(req, status, None, true)?;
    send_command(assoc, context, cmd).await?;
    send_dataset(assoc, context, identifier).await
}

/// Whether a C-CANCEL-RQ has arrived, without waiting for one (the PDU reader keeps a partial
/// PDU in its buffer when the poll finds nothing whole yet).
pub(super) async fn cancelled<S: Stream>(assoc: &mut Assoc<S>) -> Result<bool, ServiceError> {
    let Some(got) = assoc.receive().now_or_never() else {
        return Ok(false);
    };
    match got.map_err(|e| ServiceError::Ul(e.to_string()))? {
        Pdu::PData { data } => {
            for pdv in data {
                let is_cancel = pdv.value_type == PDataValueType::Command
                    && pdv.is_last
                    && command::command_field(&pdv.data)? == C_CANCEL_RQ;
                if !is_cancel {
                    return Err(ServiceError::Unexpected);
                }
            }
            Ok(true)
        }
        Pdu::AbortRQ { .. } => Err(ServiceError::Ul("aborted by the peer".into())),
        _ => Err(ServiceError::Unexpected),
    }
}
