//! Modality Performed Procedure Step SCP (PS3.4 Annex F, SOP class 1.2.840.10008.3.1.2.3.3):
//! N-CREATE (§F.7.2.1, PS3.7 §10.1.5) and N-SET (§F.7.2.2, PS3.7 §10.1.1) decoded into the
//! attributes `domain::mpps` checks, applied by `workflow::performed` in the called AE's
//! clinic, and answered with the status the rules chose: 0120 / 0121 naming the attribute
//! (Error Comment and Attribute Identifier List), 0106, 0111, 0112, 0110 with Error ID A710.

use super::command::{self, N_CREATE_RQ, Request, STATUS_SUCCESS, STATUS_UNRECOGNIZED_OPERATION};
use super::scu::Stream;
use super::service::{Assoc, ServiceError, Session, send_command};
use crate::workflow::performed::{self, MppsError};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use domain::mpps::{Attr, PerformedSeries, PpsAttrs, PpsError, ScheduledStep};

/// Modality Performed Procedure Step SOP Class (PS3.4 §F.7.1).
pub const MPPS: &str = dicom_dictionary_std::uids::MODALITY_PERFORMED_PROCEDURE_STEP;
/// PS3.7 Annex C.4: processing failure (the database failed).
const PROCESSING_FAILURE: u16 = 0x0110;
/// PS3.4 §F.7.2.2.4: "Performed Procedure Step Object may no longer be updated".
const ERROR_ID_FINAL: u16 = 0xA710;

fn attr(obj: &InMemDicomObject, t: Tag) -> Attr {
    match obj.element(t) {
        Err(_) => Attr::Absent,
        Ok(e) => Attr::of(Some(
            e.to_str()
                .map(|s| s.into_owned())
                .unwrap_or_default()
                .as_str(),
        )),
    }
}

fn text(obj: &InMemDicomObject, t: Tag) -> String {
    attr(obj, t).text().trim_matches('\0').to_owned()
}

/// The items of a sequence, `None` when the sequence is absent.
fn items(obj: &InMemDicomObject, t: Tag) -> Option<&[InMemDicomObject]> {
    obj.element(t).ok().map(|e| e.items().unwrap_or(&[]))
}

/// The (SOP class, SOP instance) pairs of a series item's reference sequences.
fn references(series: &InMemDicomObject) -> Vec<(String, String)> {
    [
        tags::REFERENCED_IMAGE_SEQUENCE,
        tags::REFERENCED_NON_IMAGE_COMPOSITE_SOP_INSTANCE_SEQUENCE,
    ]
    .into_iter()
    .flat_map(|t| items(series, t).unwrap_or(&[]).iter())
    .map(|r| {
        (
            text(r, tags::REFERENCED_SOP_CLASS_UID),
            text(r, tags::REFERENCED_SOP_INSTANCE_UID),
        )
    })
    .filter(|(_, uid)| !uid.is_empty())
    .collect()
}

/// The attributes of an N-CREATE or N-SET data set that Passerelle keeps.
pub fn read_attrs(obj: &InMemDicomObject) -> PpsAttrs {
    let scheduled = items(obj, tags::SCHEDULED_STEP_ATTRIBUTES_SEQUENCE).map(|list| {
        list.iter()
            .map(|i| ScheduledStep {
                study_uid: attr(i, tags::STUDY_INSTANCE_UID),
                accession: text(i, tags::ACCESSION_NUMBER),
                requested_procedure_id: text(i, tags::REQUESTED_PROCEDURE_ID),
                sps_id: text(i, tags::SCHEDULED_PROCEDURE_STEP_ID),
            })
            .collect()
    });
    let series = items(obj, tags::PERFORMED_SERIES_SEQUENCE).map(|list| {
        list.iter()
            .map(|i| PerformedSeries {
                series_uid: attr(i, tags::SERIES_INSTANCE_UID),
                description: text(i, tags::SERIES_DESCRIPTION),
                instances: references(i),
            })
            .collect()
    });
    let reason = items(
        obj,
        tags::PERFORMED_PROCEDURE_STEP_DISCONTINUATION_REASON_CODE_SEQUENCE,
    )
    .and_then(|l| l.first())
    .map(|c| text(c, tags::CODE_MEANING))
    .unwrap_or_default();
    PpsAttrs {
        status: attr(obj, tags::PERFORMED_PROCEDURE_STEP_STATUS),
        pps_id: attr(obj, tags::PERFORMED_PROCEDURE_STEP_ID),
        station_ae: attr(obj, tags::PERFORMED_STATION_AE_TITLE),
        start_date: attr(obj, tags::PERFORMED_PROCEDURE_STEP_START_DATE),
        start_time: attr(obj, tags::PERFORMED_PROCEDURE_STEP_START_TIME),
        end_date: attr(obj, tags::PERFORMED_PROCEDURE_STEP_END_DATE),
        end_time: attr(obj, tags::PERFORMED_PROCEDURE_STEP_END_TIME),
        modality: attr(obj, tags::MODALITY),
        description: text(obj, tags::PERFORMED_PROCEDURE_STEP_DESCRIPTION),
        patient_id: text(obj, tags::PATIENT_ID),
        patient_name: text(obj, tags::PATIENT_NAME),
        discontinue_reason: reason,
        scheduled,
        series,
    }
}

/// The status, comment and extra response elements of a refusal.
fn refusal(e: &MppsError) -> (u16, String, Vec<DataElement<InMemDicomObject>>) {
    match e {
        MppsError::Rule(r) => {
            let mut extra = Vec::new();
            if let Some(t) = r.tag() {
                let tag = Tag(t.group, t.element);
                let list = PrimitiveValue::Tags(vec![tag].into());
                extra.push(DataElement::new(
                    tags::ATTRIBUTE_IDENTIFIER_LIST,
                    VR::AT,
                    list,
                ));
            }
            if matches!(r, PpsError::Final(_)) {
                let id = dicom_value!(U16, [ERROR_ID_FINAL]);
                extra.push(DataElement::new(tags::ERROR_ID, VR::US, id));
            }
            (r.status(), r.to_string(), extra)
        }
        MppsError::Repo(db) => {
            tracing::error!(error = %db, "MPPS not stored");
            let why = "the step could not be stored; send it again".to_owned();
            (PROCESSING_FAILURE, why, Vec::new())
        }
    }
}

/// Answers one N-CREATE-RQ or N-SET-RQ whose data set is `data`.
pub async fn answer<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    context: u8,
    req: &Request,
    data: &[u8],
) -> Result<(), ServiceError> {
    let (Some(ingest), true) = (&s.ingest, req.affected_sop_class == MPPS) else {
        return send(
            assoc,
            context,
            req,
            STATUS_UNRECOGNIZED_OPERATION,
            None,
            vec![],
        )
        .await;
    };
    let obj = match super::dataset::read(assoc, context, data) {
        Ok((o, _)) => o,
        Err(e) => {
            tracing::info!(error = %e, "MPPS data set unreadable");
            let why = Some("the data set cannot be read");
            return send(assoc, context, req, PROCESSING_FAILURE, why, vec![]).await;
        }
    };
    let a = read_attrs(&obj);
    let mut rsp = req.clone();
    let db = ingest.db();
    let done = if req.command_field == N_CREATE_RQ {
        // PS3.7 §10.1.5.1.3: without an Affected SOP Instance UID, the SCP assigns one.
        if rsp.affected_sop_instance.is_empty() {
            rsp.affected_sop_instance = crate::synth::new_uid();
        }
        performed::create(db, s.clinic, &rsp.affected_sop_instance, &s.calling, &a).await
    } else {
        performed::set(db, s.clinic, &rsp.affected_sop_instance, &s.calling, &a).await
    };
    crate::telemetry::mpps(req.command_field == N_CREATE_RQ, done.is_ok());
    match done {
        Ok(()) => send(assoc, context, &rsp, STATUS_SUCCESS, None, vec![]).await,
        Err(e) => {
            let (status, why, extra) = refusal(&e);
            tracing::info!(status, error = %why, "MPPS refused");
            send(assoc, context, &rsp, status, Some(&why), extra).await
        }
    }
}

async fn send<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    status: u16,
    comment: Option<&str>,
    extra: Vec<DataElement<InMemDicomObject>>,
) -> Result<(), ServiceError> {
    let data = command::response_extra(req, status, comment, false, extra)?;
    send_command(assoc, context, data).await
}
