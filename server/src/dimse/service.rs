//! The DIMSE loop of one association (PS3.7 §9): C-ECHO (§9.1.5), C-STORE (§9.1.1), C-FIND
//! (§9.1.2, the worklist and the index: `find_scp`), C-MOVE and C-GET (§9.1.4, §9.1.3:
//! `qr_scp`), N-CREATE and N-SET (§10.1.5, §10.1.1, MPPS: `mpps`), N-ACTION (§10.1.4, storage
//! commitment: `commitment`). A data set is collected from its P-DATA fragments up to
//! the size limit, then handed to ingest; the C-STORE-RSP is sent only once ingest has made the
//! instance durable, or has failed.

use super::command::{self, C_ECHO_RQ, C_STORE_RQ, STATUS_SUCCESS, STATUS_UNRECOGNIZED_OPERATION};
use super::scu::Stream;
use crate::ingest::{self, Ingest, StoreRequest};
use dicom_ul::Pdu;
use dicom_ul::association::server::AsyncServerAssociation;
use dicom_ul::pdu::{PDataValue, PDataValueType};
use domain::ClinicId;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::timeout;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("peer idle for longer than the limit")]
    Idle,
    #[error("upper layer: {0}")]
    Ul(String),
    #[error(transparent)]
    Command(#[from] command::CommandError),
    #[error("unexpected PDU or fragment")]
    Unexpected,
}

/// Who is talking to whom, decided at negotiation.
pub struct Session {
    pub clinic: ClinicId,
    pub calling: String,
    pub called: String,
    pub ingest: Option<Arc<Ingest>>,
    pub idle: Duration,
    pub max_dataset: usize,
}

/// The largest buffer reserved ahead from the previous data set's size (a 1 GB multi-frame is
/// not a reason to reserve 1 GB for the next, small, instance).
const HINT_CAP: usize = 32 << 20;

/// A command whose data set is still arriving.
struct Pending {
    req: command::Request,
    context: u8,
    data: Vec<u8>,
    too_big: bool,
}

pub(super) type Assoc<S> = AsyncServerAssociation<S>;

/// Runs until release or abort.
pub async fn serve<S: Stream>(assoc: &mut Assoc<S>, s: &Session) -> Result<(), ServiceError> {
    let mut cmd: Vec<u8> = Vec::new();
    let mut pending: Option<Pending> = None;
    // The size of the association's previous data set: instances of one series are alike, so
    // the next buffer starts that large instead of doubling its way up (one copy per doubling).
    let mut hint = 0usize;
    loop {
        let pdu = match timeout(s.idle, assoc.receive()).await {
            Err(_) => return Err(ServiceError::Idle),
            Ok(Err(e)) => return Err(ServiceError::Ul(e.to_string())),
            Ok(Ok(p)) => p,
        };
        match pdu {
            Pdu::PData { data } => {
                for pdv in data {
                    on_fragment(assoc, s, pdv, &mut cmd, &mut pending, &mut hint).await?;
                }
            }
            Pdu::ReleaseRQ => {
                assoc
                    .send(&Pdu::ReleaseRP)
                    .await
                    .map_err(|e| ServiceError::Ul(e.to_string()))?;
                return Ok(());
            }
            Pdu::AbortRQ { .. } => return Ok(()),
            _ => return Err(ServiceError::Unexpected),
        }
    }
}

async fn on_fragment<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    pdv: PDataValue,
    cmd: &mut Vec<u8>,
    pending: &mut Option<Pending>,
    hint: &mut usize,
) -> Result<(), ServiceError> {
    match pdv.value_type {
        PDataValueType::Command => {
            cmd.extend_from_slice(&pdv.data);
            if pdv.is_last {
                let req = command::parse(cmd)?;
                cmd.clear();
                if req.command_field == command::C_CANCEL_RQ {
                    // A cancel that arrives after the final response: nothing left to stop, and
                    // a C-CANCEL has no response (PS3.7 §9.3.2.3).
                    return Ok(());
                }
                if req.has_dataset {
                    let context = pdv.presentation_context_id;
                    *pending = Some(Pending {
                        req,
                        context,
                        data: Vec::with_capacity((*hint).min(s.max_dataset).min(HINT_CAP)),
                        too_big: false,
                    });
                } else {
                    let status = if req.command_field == C_ECHO_RQ {
                        STATUS_SUCCESS
                    } else {
                        STATUS_UNRECOGNIZED_OPERATION
                    };
                    respond(assoc, pdv.presentation_context_id, &req, status, None).await?;
                }
            }
        }
        PDataValueType::Data => {
            let p = pending.as_mut().ok_or(ServiceError::Unexpected)?;
            if p.too_big || p.data.len() + pdv.data.len() > s.max_dataset {
                p.too_big = true;
                p.data = Vec::new();
            } else {
                p.data.extend_from_slice(&pdv.data);
            }
            if pdv.is_last {
                let p = pending.take().ok_or(ServiceError::Unexpected)?;
                *hint = p.data.len();
                return complete(assoc, s, p).await;
            }
        }
    }
    Ok(())
}

/// Answers a command whose data set is complete, by its command field; a data set over the
/// size limit is answered as a C-STORE's (out of resources) or unrecognized.
async fn complete<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    p: Pending,
) -> Result<(), ServiceError> {
    let (req, context) = (p.req.clone(), p.context);
    let whole = s.ingest.as_deref().filter(|_| !p.too_big);
    match (req.command_field, s.ingest.as_deref(), whole) {
        (command::C_FIND_RQ, Some(_), _) => {
            super::find_scp::answer(assoc, s, context, &req, &p.data).await
        }
        (command::C_MOVE_RQ | command::C_GET_RQ, _, Some(i)) => {
            retrieve(assoc, s, i, context, &req, &p.data).await
        }
        (command::N_ACTION_RQ, _, Some(i)) => {
            super::commitment::answer(assoc, s, i.db(), context, &req, &p.data).await
        }
        (command::N_CREATE_RQ | command::N_SET_RQ, _, Some(_)) => {
            super::mpps::answer(assoc, s, context, &req, &p.data).await
        }
        _ => {
            let (status, comment) = dataset_done(assoc, s, p).await;
            respond(assoc, context, &req, status, comment.as_deref()).await
        }
    }
}

/// A C-MOVE-RQ or C-GET-RQ whose identifier is `data` (PS3.4 §C.4.2, §C.4.3).
async fn retrieve<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    ingest: &Ingest,
    context: u8,
    req: &command::Request,
    data: &[u8],
) -> Result<(), ServiceError> {
    match super::dataset::read(assoc, context, data) {
        Ok((id, ts)) => super::qr_scp::retrieve(assoc, s, ingest, context, req, (&id, ts)).await,
        Err(e) => {
            tracing::info!(error = %e, "retrieve identifier unreadable");
            let status = domain::query::scp::IDENTIFIER_MISMATCH;
            respond(
                assoc,
                context,
                req,
                status,
                Some("identifier cannot be read"),
            )
            .await
        }
    }
}

/// Decides the answer for a command whose data set is complete.
async fn dataset_done<S>(assoc: &Assoc<S>, s: &Session, p: Pending) -> (u16, Option<String>) {
    if p.req.command_field != C_STORE_RQ {
        return (STATUS_UNRECOGNIZED_OPERATION, None);
    }
    if p.too_big {
        crate::telemetry::received("dimse", "failure", 0, 0.0);
        return (
            ingest::OUT_OF_RESOURCES,
            Some(format!("data set larger than {} bytes", s.max_dataset)),
        );
    }
    let Some(ingest) = &s.ingest else {
        return (STATUS_UNRECOGNIZED_OPERATION, None);
    };
    let ts = assoc
        .presentation_contexts()
        .iter()
        .find(|pc| pc.id == p.context)
        .map(|pc| pc.transfer_syntax.clone())
        .unwrap_or_default();
    let rq = StoreRequest {
        clinic: s.clinic,
        calling_ae: s.calling.clone(),
        called_ae: s.called.clone(),
        command_sop_class: p.req.affected_sop_class.clone(),
        command_sop_instance: p.req.affected_sop_instance.clone(),
        transfer_syntax: ts,
        dataset: p.data,
    };
    let r = ingest.store(rq).await;
    (r.status, r.comment)
}

pub(super) async fn respond<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &command::Request,
    status: u16,
    comment: Option<&str>,
) -> Result<(), ServiceError> {
    tracing::debug!(
        command = req.command_field,
        message_id = req.message_id,
        status,
        "DIMSE response"
    );
    send_command(assoc, context, command::response(req, status, comment)?).await
}

/// Sends an encoded response command set in one P-DATA PDU.
pub(super) async fn send_command<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    data: Vec<u8>,
) -> Result<(), ServiceError> {
    let pdu = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: context,
            value_type: PDataValueType::Command,
            is_last: true,
            data,
        }],
    };
    assoc
        .send(&pdu)
        .await
        .map_err(|e| ServiceError::Ul(e.to_string()))
}

/// Sends a data set (an identifier, an instance, an event's information) on `context`, in
/// P-DATA fragments the peer accepts (PS3.8 §9.3.5).
pub(super) async fn send_dataset<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    bytes: &[u8],
) -> Result<(), ServiceError> {
    let io = |e: std::io::Error| ServiceError::Ul(e.to_string());
    let mut w = assoc.send_pdata(context);
    w.write_all(bytes).await.map_err(io)?;
    w.finish().await.map_err(io)
}

/// Reads command sets until the response whose command field is `field`, and returns it. A
/// C-CANCEL-RQ on the way (PS3.7 §9.3.2.3) is noted in `cancelled` where one is allowed, and is
/// unexpected otherwise; so is any other command or a data fragment.
pub(super) async fn await_response<S: Stream>(
    assoc: &mut Assoc<S>,
    idle: Duration,
    field: u16,
    mut cancelled: Option<&mut bool>,
) -> Result<Vec<u8>, ServiceError> {
    let mut cmd = Vec::new();
    loop {
        let pdu = match timeout(idle, assoc.receive()).await {
            Err(_) => return Err(ServiceError::Idle),
            Ok(Err(e)) => return Err(ServiceError::Ul(e.to_string())),
            Ok(Ok(p)) => p,
        };
        let Pdu::PData { data } = pdu else {
            let why = format!("the peer ended the association before response {field:#06x}");
            return Err(ServiceError::Ul(why));
        };
        for pdv in data {
            if pdv.value_type != PDataValueType::Command {
                return Err(ServiceError::Unexpected);
            }
            cmd.extend_from_slice(&pdv.data);
            if !pdv.is_last {
                continue;
            }
            match (command::command_field(&cmd)?, cancelled.as_deref_mut()) {
                (f, _) if f == field => return Ok(cmd),
                (command::C_CANCEL_RQ, Some(flag)) => *flag = true,
                _ => return Err(ServiceError::Unexpected),
            }
            cmd.clear();
        }
    }
}
