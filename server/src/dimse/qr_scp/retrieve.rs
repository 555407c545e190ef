//! C-MOVE (PS3.4 §C.4.2) and C-GET (§C.4.3) SCP over the index: the identifier names what to
//! send by its level's unique key (A900 otherwise); the matching instances of the called AE's
//! clinic are read, those whose spool copy was released are fetched back from the archive that
//! holds them first (`fetchback`, as the DICOMweb door does), then each is sent as a C-STORE
//! sub-operation, to the Move Destination (a node of the same clinic, else A801) or on this
//! association (C-GET), with a pending response after each and C-CANCEL honoured between them.
//! The final response carries the counts and the Failed SOP Instance UID List (0008,0058).

use super::super::command::{self, Request, STATUS_UNRECOGNIZED_OPERATION};
use super::super::scu::Stream;
use super::super::service::{Assoc, ServiceError, Session, respond, send_command, send_dataset};
use super::{Identifier, scope_of};
use crate::db::index_query::{self as iq, QueryError, Within};
use crate::ingest::Ingest;
use crate::queue::{Item, Sent};
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntax;
use dicom_object::InMemDicomObject;
use domain::query::SubOps;
use domain::query::scp::{self, QrService};

/// The most instances one retrieve sends (a patient-level C-MOVE of a whole record is bounded).
const MAX_INSTANCES: u64 = 100_000;

/// What a retrieve's sub-operations came to.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub ops: SubOps,
    pub failed_uids: Vec<String>,
    pub cancelled: bool,
}

impl Tally {
    pub fn new(total: usize) -> Self {
        Self {
            ops: SubOps {
                remaining: Some(total as u32),
                ..SubOps::default()
            },
            ..Self::default()
        }
    }

    /// Counts one outcome (a success with a non-zero status is a warning, PS3.4 §B.2.3).
    pub fn count(&mut self, sop: &str, sent: &Sent) {
        match sent {
            Sent::Ok(Some(s)) if *s != 0 => self.ops.warning += 1,
            Sent::Ok(_) => self.ops.completed += 1,
            Sent::Failed { .. } => {
                self.ops.failed += 1;
                self.failed_uids.push(sop.to_owned());
            }
        }
        self.ops.remaining = self.ops.remaining.map(|r| r.saturating_sub(1));
    }
}

/// Answers one C-MOVE-RQ or C-GET-RQ whose identifier is `id`; the retrieve is counted and
/// recorded in the audit trail.
pub async fn retrieve<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    ingest: &Ingest,
    context: u8,
    req: &Request,
    (id, ts): (&InMemDicomObject, &'static TransferSyntax),
) -> Result<(), ServiceError> {
    let (model, service) = match scp::class_of(&req.affected_sop_class) {
        Some((model, svc @ (QrService::Move | QrService::Get))) => (model, svc),
        _ => return respond(assoc, context, req, STATUS_UNRECOGNIZED_OPERATION, None).await,
    };
    let name = if service == QrService::Move {
        "move"
    } else {
        "get"
    };
    let ident =
        Identifier::read(model, id).and_then(|i| scp::check_retrieve(i.level, &i.keys).map(|()| i));
    let done = match &ident {
        Ok(i) => run(assoc, s, ingest, context, req, i, service).await?,
        Err(e) => Err((scp::IDENTIFIER_MISMATCH, e.to_string())),
    };
    let mut detail = super::detail(model, ident.as_ref().ok(), None);
    detail["service"] = name.into();
    if service == QrService::Move {
        detail["destination"] = req.move_destination.as_str().into();
    }
    match done {
        Ok(tally) => {
            let status = scp::final_status(&tally.ops, tally.cancelled);
            crate::telemetry::qr_scp(name, status);
            detail["failed"] = tally.ops.failed.into();
            let (outcome, count) = (super::outcome(status), tally.ops.completed as usize);
            super::audit(
                ingest.db(),
                s,
                "dimse_retrieve",
                detail,
                outcome,
                Some(count),
            )
            .await;
            final_response(assoc, context, req, status, &tally, ts).await
        }
        Err((status, why)) => {
            tracing::info!(status, reason = %why, "retrieve refused");
            crate::telemetry::qr_scp(name, status);
            detail["error"] = why.as_str().into();
            let outcome = super::outcome(status);
            super::audit(ingest.db(), s, "dimse_retrieve", detail, outcome, Some(0)).await;
            respond(assoc, context, req, status, Some(&why)).await
        }
    }
}

/// What a retrieve that could not start answers: its status and the reason.
type Refusal = (u16, String);

/// Finds the destination and the instances, then runs the sub-operations; the inner `Err` is
/// the refusal when none could start.
async fn run<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    ingest: &Ingest,
    context: u8,
    req: &Request,
    ident: &Identifier,
    service: QrService,
) -> Result<Result<Tally, Refusal>, ServiceError> {
    let peer = if service == QrService::Move {
        match super::destination(ingest.db(), s.clinic, &req.move_destination).await {
            Ok(p) => Some(p),
            Err(why) => return Ok(Err((scp::MOVE_DESTINATION_UNKNOWN, why))),
        }
    } else {
        None
    };
    let items = match items(ingest, s, ident).await {
        Ok(items) => items,
        Err(QueryError::Key(why)) => return Ok(Err((scp::IDENTIFIER_MISMATCH, why))),
        Err(QueryError::Db(e)) => {
            tracing::error!(error = %e, "retrieve on the index failed");
            let why = "the index is unavailable".to_owned();
            return Ok(Err((scp::UNABLE_TO_PROCESS, why)));
        }
    };
    tracing::info!(instances = items.len(), destination = %req.move_destination, "retrieve");
    Ok(Ok(match peer {
        Some(peer) => super::moves::run(assoc, s, context, req, &peer, items).await?,
        None => super::gets::run(assoc, s, context, req, items).await?,
    }))
}

/// The instances to send, after the released ones were fetched back (those that could not be
/// stay released: their sub-operations fail).
async fn items(ingest: &Ingest, s: &Session, ident: &Identifier) -> Result<Vec<Item>, QueryError> {
    let scope = scope_of(s.clinic);
    let q = iq::Query {
        scope: &scope,
        matches: &ident.matches,
        fuzzy: false,
        within: Within::default(),
        limit: MAX_INSTANCES,
        offset: 0,
    };
    let mut rows = iq::held(ingest.db(), &q).await?;
    let released: Vec<i64> = rows
        .iter()
        .filter(|r| r.purged_at.is_some())
        .map(|r| r.id)
        .collect();
    if !released.is_empty() {
        match crate::fetchback::restore(ingest.db(), ingest.spool(), &s.called, &released).await {
            Ok(n) => tracing::info!(restored = n, wanted = released.len(), "fetched back"),
            Err(e) => tracing::error!(error = %e, "fetch-back failed"),
        }
        rows = iq::held(ingest.db(), &q).await?;
    }
    Ok(rows
        .into_iter()
        .map(|r| Item {
            job_id: r.id,
            sop_class: r.sop_class_uid,
            sop_instance: r.sop_instance_uid,
            transfer_syntax: r.transfer_syntax.trim_end_matches(['\0', ' ']).to_owned(),
            // A released copy that could not be fetched back has no file: its read fails.
            path: if r.purged_at.is_some() {
                std::path::PathBuf::new()
            } else {
                ingest.spool().path(&r.spool_path)
            },
            size: usize::try_from(r.size).unwrap_or(0),
            digest: r.digest,
        })
        .collect())
}

fn count(tag: dicom_core::Tag, n: u32) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, dicom_value!(U16, [n.min(0xFFFF) as u16]))
}

/// The sub-operation counts of a C-MOVE-RSP / C-GET-RSP (PS3.7 §9.3.3.2, §9.3.4.2).
pub(super) fn counts(ops: &SubOps, with_remaining: bool) -> Vec<DataElement<InMemDicomObject>> {
    let mut e = Vec::with_capacity(4);
    if with_remaining {
        e.push(count(
            tags::NUMBER_OF_REMAINING_SUBOPERATIONS,
            ops.remaining.unwrap_or(0),
        ));
    }
    e.push(count(
        tags::NUMBER_OF_COMPLETED_SUBOPERATIONS,
        ops.completed,
    ));
    e.push(count(tags::NUMBER_OF_FAILED_SUBOPERATIONS, ops.failed));
    e.push(count(tags::NUMBER_OF_WARNING_SUBOPERATIONS, ops.warning));
    e
}

/// A pending response with the counts so far (no identifier).
pub(super) async fn pending<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    tally: &Tally,
) -> Result<(), ServiceError> {
    let cmd = command::response_extra(req, scp::PENDING, None, false, counts(&tally.ops, true))?;
    send_command(assoc, context, cmd).await
}

/// The final response; after failures or a cancel, an identifier with the Failed SOP Instance
/// UID List (PS3.4 §C.4.2.1.5). Remaining is sent only for a cancel (§C.4.2.3.1).
async fn final_response<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    status: u16,
    tally: &Tally,
    ts: &'static TransferSyntax,
) -> Result<(), ServiceError> {
    let with_list = !tally.failed_uids.is_empty();
    let extra = counts(&tally.ops, tally.cancelled);
    let cmd = command::response_extra(req, status, None, with_list, extra)?;
    send_command(assoc, context, cmd).await?;
    if !with_list {
        return Ok(());
    }
    let mut id = InMemDicomObject::new_empty();
    id.put(DataElement::new(
        tags::FAILED_SOP_INSTANCE_UID_LIST,
        VR::UI,
        PrimitiveValue::Strs(listed(&tally.failed_uids).into_iter().collect()),
    ));
    let mut bytes = Vec::new();
    id.write_dataset_with_ts(&mut bytes, ts)
        .map_err(|e| ServiceError::Ul(format!("cannot encode the failed list: {e}")))?;
    send_dataset(assoc, context, &bytes).await
}

/// As many failed UIDs as a UI element holds in explicit VR (a 16-bit length, PS3.5 §7.1.2).
fn listed(uids: &[String]) -> Vec<String> {
    let mut total = 0;
    uids.iter()
        .take_while(|u| {
            total += u.len() + 1;
            total < 0xFF00
        })
        .cloned()
        .collect()
}
