//! C-FIND SCP of the Query/Retrieve classes (PS3.4 §C.4.1): the identifier's level and keys are
//! checked (A900 naming the fault), the index is read a page at a time (memory stays flat for a
//! universal query over 100,000 studies), each match is sent as a pending response (FF00, or
//! FF01 when a key was asked that Passerelle does not hold, §C.4.1.1.4) after a poll for
//! C-CANCEL-RQ (FE00), then the final status.

use super::super::command::{Request, STATUS_SUCCESS, STATUS_UNRECOGNIZED_OPERATION};
use super::super::dataset::{self, put};
use super::super::find_scp::{cancelled, send_pending};
use super::super::scu::Stream;
use super::super::service::{Assoc, ServiceError, Session, respond};
use super::{Identifier, answers, scope_of};
use crate::db::index_query::{self as iq, QueryError, Within};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntax;
use dicom_object::InMemDicomObject;
use domain::query::QueryLevel;
use domain::query::scp::{self, QrService};
use sea_orm::DatabaseConnection;

/// Rows read per statement.
const PAGE: u64 = 5_000;

/// How a C-FIND ended: its final status, the Error Comment and the answers sent.
struct Ended {
    status: u16,
    why: Option<String>,
    answers: usize,
}

impl Ended {
    fn refused(status: u16, why: impl Into<String>) -> Self {
        Self {
            status,
            why: Some(why.into()),
            answers: 0,
        }
    }
}

/// Answers one C-FIND-RQ of a Query/Retrieve class whose identifier is `id`; the final status
/// is counted and the query recorded in the audit trail.
pub async fn find<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    db: &DatabaseConnection,
    context: u8,
    req: &Request,
    (id, ts): (&InMemDicomObject, &'static TransferSyntax),
) -> Result<(), ServiceError> {
    let Some((model, QrService::Find)) = scp::class_of(&req.affected_sop_class) else {
        return respond(assoc, context, req, STATUS_UNRECOGNIZED_OPERATION, None).await;
    };
    let ident = Identifier::read(model, id)
        .and_then(|i| scp::check_find(model, i.level, &i.keys).map(|()| i));
    let ended = match &ident {
        Ok(i) => answer_all(assoc, s, db, context, req, i, (id, ts)).await?,
        Err(e) => Ended::refused(scp::IDENTIFIER_MISMATCH, e.to_string()),
    };
    if let Some(why) = &ended.why {
        tracing::info!(status = ended.status, reason = %why, "C-FIND refused");
    }
    crate::telemetry::qr_scp("find", ended.status);
    let detail = super::detail(model, ident.as_ref().ok(), ended.why.as_deref());
    let outcome = super::outcome(ended.status);
    super::audit(db, s, "dimse_query", detail, outcome, Some(ended.answers)).await;
    respond(assoc, context, req, ended.status, ended.why.as_deref()).await
}

/// Sends every match as a pending response, a page at a time.
async fn answer_all<S: Stream>(
    assoc: &mut Assoc<S>,
    s: &Session,
    db: &DatabaseConnection,
    context: u8,
    req: &Request,
    ident: &Identifier,
    (id, ts): (&InMemDicomObject, &'static TransferSyntax),
) -> Result<Ended, ServiceError> {
    let scope = scope_of(s.clinic);
    let (mut offset, mut answers) = (0, 0);
    loop {
        let q = iq::Query {
            scope: &scope,
            matches: &ident.matches,
            fuzzy: false,
            within: Within::default(),
            limit: PAGE,
            offset,
        };
        let page = match page(db, ident.level, &q, &s.called).await {
            Ok(p) => p,
            Err(QueryError::Key(why)) => return Ok(Ended::refused(scp::IDENTIFIER_MISMATCH, why)),
            Err(QueryError::Db(e)) => {
                tracing::error!(error = %e, "C-FIND on the index failed");
                let why = "the index is unavailable";
                return Ok(Ended::refused(scp::UNABLE_TO_PROCESS, why));
            }
        };
        for full in &page {
            if cancelled(assoc).await? {
                return Ok(Ended {
                    status: scp::CANCELLED,
                    why: None,
                    answers,
                });
            }
            send_answer(assoc, context, req, id, full, ts).await?;
            answers += 1;
        }
        if (page.len() as u64) < PAGE {
            break;
        }
        offset += PAGE;
    }
    Ok(Ended {
        status: STATUS_SUCCESS,
        why: None,
        answers,
    })
}

/// One page of answers at `level`, each with every attribute the index holds.
async fn page(
    db: &DatabaseConnection,
    level: QueryLevel,
    q: &iq::Query<'_>,
    ae: &str,
) -> Result<Vec<InMemDicomObject>, QueryError> {
    Ok(match level {
        QueryLevel::Patient => iq::patients(db, q)
            .await?
            .iter()
            .map(|r| answers::patient(r, ae))
            .collect(),
        QueryLevel::Study => iq::studies(db, q)
            .await?
            .iter()
            .map(|r| answers::study(r, ae))
            .collect(),
        QueryLevel::Series => iq::series(db, q)
            .await?
            .iter()
            .map(|r| answers::series(r, ae))
            .collect(),
        QueryLevel::Image => iq::instances(db, q)
            .await?
            .iter()
            .map(|r| answers::instance(r, ae))
            .collect(),
    })
}

/// The answer cut to the keys asked, in a character set its text fits, as a pending response.
async fn send_answer<S: Stream>(
    assoc: &mut Assoc<S>,
    context: u8,
    req: &Request,
    id: &InMemDicomObject,
    full: &InMemDicomObject,
    ts: &'static TransferSyntax,
) -> Result<(), ServiceError> {
    let mut unknown = false;
    let mut out = dataset::project(id, full, &mut unknown);
    let texts: Vec<String> = out
        .iter()
        .filter(|e| matches!(e.vr(), VR::PN | VR::LO | VR::SH | VR::LT | VR::ST))
        .filter_map(|e| e.to_str().ok().map(|s| s.into_owned()))
        .collect();
    let cs = dataset::charset(id, texts.iter().map(String::as_str));
    put(
        &mut out,
        tags::SPECIFIC_CHARACTER_SET,
        VR::CS,
        &dicom_encoding::text::TextCodec::name(&cs),
    );
    let mut bytes = Vec::with_capacity(512);
    out.write_dataset_with_ts_cs(&mut bytes, ts, cs)
        .map_err(|e| ServiceError::Ul(format!("cannot encode an answer: {e}")))?;
    let status = if unknown {
        scp::PENDING_UNSUPPORTED_KEYS
    } else {
        scp::PENDING
    };
    send_pending(assoc, context, req, status, &bytes).await
}
