//! Storage Commitment Push Model SCP (PS3.4 Annex J, 1.2.840.10008.1.20.1) for the modalities
//! that send to Passerelle: an N-ACTION-RQ (PS3.7 §10.1.4) is checked by `domain::commitment`,
//! answered, then its N-EVENT-REPORT-RQ (§10.1.1, §J.3.3) is sent on the same association: every
//! referenced instance that the called AE's clinic holds is committed (C-STORE is acknowledged
//! only once an instance is durable, so the index is the proof), the others are listed in the
//! Failed SOP Sequence with their reason (0112, 0119). The N-EVENT-REPORT-RSP is awaited.

use super::command::{self, N_EVENT_REPORT_RSP, Request, STATUS_SUCCESS};
use super::dataset::{self, put, sequence, text};
use super::scu::Stream;
use super::service::{Assoc, ServiceError, Session, await_response, send_command, send_dataset};
use crate::db::index_query::classes_of;
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntax;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use domain::commitment::{self as sc, Outcome, Reference};
use sea_orm::DatabaseConnection;

/// PS3.7 Annex C.4: processing failure.
const PROCESSING_FAILURE: u16 = 0x0110;

fn references(obj: &InMemDicomObject) -> Vec<Reference> {
    obj.element(tags::REFERENCED_SOP_SEQUENCE)
        .ok()
        .and_then(|e| e.items())
        .unwrap_or(&[])
        .iter()
        .map(|i| Reference {
            sop_class: text(i, tags::REFERENCED_SOP_CLASS_UID),
            sop_instance: text(i, tags::REFERENCED_SOP_INSTANCE_UID),
        })
        .collect()
}

/// Answers one N-ACTION-RQ whose data set is `data`.
pub async fn answer<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    db: &DatabaseConnection,
    context: u8,
    req: &Request,
    data: &[u8],
) -> Result<(), ServiceError> {
    let (obj, ts) = match dataset::read(assoc, context, data) {
        Ok(x) => x,
        Err(e) => return refuse(assoc, context, req, PROCESSING_FAILURE, &e.to_string()).await,
    };
    let rq = match sc::check(
        req.action_type,
        &text(&obj, tags::TRANSACTION_UID),
        references(&obj),
    ) {
        Ok(rq) => rq,
        Err(e) => return refuse(assoc, context, req, e.status(), &e.to_string()).await,
    };
    let uids: Vec<&str> = rq
        .references
        .iter()
        .map(|r| r.sop_instance.as_str())
        .collect();
    let held = match classes_of(db, s.clinic, &uids).await {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "storage commitment: the index is unavailable");
            let why = "the index is unavailable";
            return refuse(assoc, context, req, PROCESSING_FAILURE, why).await;
        }
    };
    let outcome = sc::decide(&rq, |uid| held.get(uid).cloned());
    tracing::info!(
        committed = outcome.committed.len(),
        failed = outcome.failed.len(),
        "storage commitment"
    );
    crate::telemetry::commitment(outcome.committed.len(), outcome.failed.len());
    let action = DataElement::new(
        tags::ACTION_TYPE_ID,
        VR::US,
        dicom_value!(U16, [req.action_type]),
    );
    let mut rsp = req.clone();
    rsp.affected_sop_instance = sc::PUSH_MODEL_INSTANCE.to_owned();
    let cmd = command::response_extra(&rsp, STATUS_SUCCESS, None, false, vec![action])?;
    send_command(assoc, context, cmd).await?;
    report(assoc, s, context, &rq.transaction_uid, &outcome, ts).await
}

async fn refuse<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    status: u16,
    why: &str,
) -> Result<(), ServiceError> {
    tracing::info!(status, reason = why, "storage commitment refused");
    let cmd = command::response_extra(req, status, Some(why), false, vec![])?;
    send_command(assoc, context, cmd).await
}

fn item(r: &Reference) -> InMemDicomObject {
    let mut i = InMemDicomObject::new_empty();
    put(&mut i, tags::REFERENCED_SOP_CLASS_UID, VR::UI, &r.sop_class);
    put(
        &mut i,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        &r.sop_instance,
    );
    i
}

/// The Event Information of the report (PS3.4 Table J.3-2).
fn event_information(s: &Session, transaction: &str, o: &Outcome) -> InMemDicomObject {
    let mut info = InMemDicomObject::new_empty();
    put(&mut info, tags::TRANSACTION_UID, VR::UI, transaction);
    put(&mut info, tags::RETRIEVE_AE_TITLE, VR::AE, &s.called);
    if !o.committed.is_empty() {
        let items = o.committed.iter().map(item).collect();
        info.put(DataElement::new(
            tags::REFERENCED_SOP_SEQUENCE,
            VR::SQ,
            sequence(items),
        ));
    }
    if !o.failed.is_empty() {
        let items = o
            .failed
            .iter()
            .map(|(r, reason)| {
                let mut i = item(r);
                i.put(DataElement::new(
                    tags::FAILURE_REASON,
                    VR::US,
                    dicom_value!(U16, [*reason]),
                ));
                i
            })
            .collect();
        info.put(DataElement::new(
            tags::FAILED_SOP_SEQUENCE,
            VR::SQ,
            sequence(items),
        ));
    }
    info
}

/// The N-EVENT-REPORT-RQ command set (PS3.7 §10.3.1.1).
fn report_command(event_type: u16) -> Result<Vec<u8>, ServiceError> {
    let us = |t, v: u16| DataElement::new(t, VR::US, dicom_value!(U16, [v]));
    let obj = InMemDicomObject::command_from_element_iter([
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(sc::PUSH_MODEL),
        ),
        us(tags::COMMAND_FIELD, command::N_EVENT_REPORT_RQ),
        us(tags::MESSAGE_ID, 0x7F01),
        us(tags::COMMAND_DATA_SET_TYPE, 0x0000),
        DataElement::new(
            tags::AFFECTED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(sc::PUSH_MODEL_INSTANCE),
        ),
        us(tags::EVENT_TYPE_ID, event_type),
    ]);
    let mut out = Vec::with_capacity(200);
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| ServiceError::Ul(format!("cannot encode the report: {e}")))?;
    Ok(out)
}

/// Sends the report and waits for its N-EVENT-REPORT-RSP.
async fn report<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    context: u8,
    transaction: &str,
    o: &Outcome,
    ts: &'static TransferSyntax,
) -> Result<(), ServiceError> {
    let mut bytes = Vec::new();
    event_information(s, transaction, o)
        .write_dataset_with_ts(&mut bytes, ts)
        .map_err(|e| ServiceError::Ul(format!("cannot encode the report: {e}")))?;
    send_command(assoc, context, report_command(o.event_type())?).await?;
    send_dataset(assoc, context, &bytes).await?;
    let rsp = await_response(assoc, s.idle, N_EVENT_REPORT_RSP, None).await?;
    let (status, _) = command::status_and_comment(&rsp)?;
    tracing::debug!(status, "N-EVENT-REPORT answered");
    Ok(())
}
