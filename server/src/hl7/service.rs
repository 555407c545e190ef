//! The HL7 messages page and its JSON API: received messages of one's clinics, one message with
//! its text and ACK, processing a refused one again (after its facility was mapped, its
//! procedure added…), and the facility → clinic mapping (administrators).

use super::apply::{self, ApplyError, Ctx};
use crate::db::audit::{self, Record};
use crate::db::hl7 as repo;
use crate::db::{RepoError, gate};
use crate::state::AppState;
use crate::workflow::{Result, WorkflowError, actor, require};
use domain::Permission;
use domain::hl7::ack::{AckCode, Header, Issue, build_ack};
use domain::hl7::views::{FacilityMap, MessageDetail, MessageQuery, MessageRow, MessageStatus};
use domain::hl7::{Message, charset, read};
use domain::views::{Page, SessionUser};
use sea_orm::TransactionTrait;
use serde_json::json;

pub async fn list(
    state: &AppState,
    user: &SessionUser,
    q: MessageQuery,
) -> Result<Page<MessageRow>> {
    require(user, Permission::ViewMessages)?;
    Ok(repo::list(&state.db, &user.scope(), &q).await?)
}

pub async fn get(state: &AppState, user: &SessionUser, id: i64) -> Result<MessageDetail> {
    require(user, Permission::ViewMessages)?;
    Ok(repo::get(&state.db, &user.scope(), id).await?)
}

pub async fn facilities(state: &AppState, user: &SessionUser) -> Result<Vec<FacilityMap>> {
    require(user, Permission::ManageNetwork)?;
    Ok(repo::facilities(&state.db).await?)
}

/// Replaces the facility mappings (administrators), audited as a configuration change.
pub async fn save_facilities(
    state: &AppState,
    user: &SessionUser,
    maps: Vec<FacilityMap>,
) -> Result<Vec<FacilityMap>> {
    require(user, Permission::ManageNetwork)?;
    for m in &maps {
        m.check()?;
    }
    let db = &state.db;
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    repo::set_facilities(&txn, &maps).await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    Ok(repo::facilities(db).await?)
}

/// What processing a stored message again gave.
struct Outcome {
    clinic: Option<i64>,
    status: MessageStatus,
    code: AckCode,
    issue: Option<Issue>,
}

/// Reads a stored message again and applies it in `txn`.
async fn apply_stored(
    txn: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    raw: &[u8],
) -> std::result::Result<(Outcome, Header, domain::hl7::Charset, Vec<Issue>), RepoError> {
    let reject = |issue: Issue, h: Header, cs| {
        (
            Outcome {
                clinic: None,
                status: MessageStatus::Rejected,
                code: AckCode::AR,
                issue: Some(issue),
            },
            h,
            cs,
            vec![],
        )
    };
    let (text, cs) = match charset::decode(raw) {
        Ok(x) => x,
        Err(e) => {
            return Ok(reject(
                Issue::from(&e),
                Header::default(),
                domain::hl7::Charset::Ascii,
            ));
        }
    };
    let m = match Message::parse(&text) {
        Ok(m) => m,
        Err(e) => return Ok(reject(Issue::from(&e), Header::default(), cs)),
    };
    let h = Header::read(&m);
    let event = match h.check().and_then(|_| read::event(&h)) {
        Ok(e) => e,
        Err(i) => return Ok(reject(i, h, cs)),
    };
    let Some(clinic) = repo::clinic_for(txn, &h.sending_facility, &h.receiving_facility).await?
    else {
        let issue = apply::unmapped(&h.sending_facility);
        return Ok((
            Outcome {
                clinic: None,
                status: MessageStatus::Error,
                code: AckCode::AE,
                issue: Some(issue),
            },
            h,
            cs,
            vec![],
        ));
    };
    let ctx = Ctx {
        clinic,
        actor: format!("hl7:{}@{}", h.sending_app, h.sending_facility)
            .chars()
            .take(64)
            .collect(),
        accession_prefix: state.config.orders.accession_prefix.clone(),
    };
    let error = |issue| Outcome {
        clinic: Some(clinic.0),
        status: MessageStatus::Error,
        code: AckCode::AE,
        issue: Some(issue),
    };
    match apply::apply(txn, &ctx, &m, event).await {
        Ok(w) => Ok((
            Outcome {
                clinic: Some(clinic.0),
                status: MessageStatus::Applied,
                code: AckCode::AA,
                issue: None,
            },
            h,
            cs,
            w,
        )),
        Err(ApplyError::Content(issue)) => Ok((error(issue), h, cs, vec![])),
        Err(ApplyError::Db(e)) => Err(e),
    }
}

/// Processes a refused message again (administrators). Applied, it keeps its changes and its
/// new ACK is stored (a resend of it gets that one); refused again, nothing changes but the
/// recorded error. Audited.
pub async fn reprocess(state: &AppState, user: &SessionUser, id: i64) -> Result<MessageDetail> {
    require(user, Permission::ManageNetwork)?;
    let db = &state.db;
    let stored = repo::by_id(db, id).await?;
    if stored.status == MessageStatus::Applied.as_str() {
        return Err(WorkflowError::Field(domain::registry::FieldError::new(
            domain::registry::FieldName::Status,
            domain::registry::Problem::Conflict {
                why: "the message was applied already".into(),
            },
        )));
    }
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let (out, h, cs, warnings) = apply_stored(&txn, state, &stored.raw).await?;
    let issues: Vec<Issue> = out.issue.iter().cloned().chain(warnings).collect();
    let control = format!("PAS{id}R{}", stored.attempts + 1);
    let ack = cs.encode(&build_ack(
        &h,
        out.code,
        &issues,
        &control,
        &crate::workflow::time::hl7_now(),
    ));
    let error = out
        .issue
        .as_ref()
        .map(|i| {
            format!(
                "{}{}",
                i.loc.as_ref().map(|l| format!("{l}: ")).unwrap_or_default(),
                i.text
            )
        })
        .unwrap_or_default();
    let who = actor(user);
    let applied = out.status == MessageStatus::Applied;
    let record = Record {
        actor: &who,
        clinic_id: out.clinic,
        action: "hl7_reprocess",
        node_id: None,
        detail: json!({ "message": id, "control_id": stored.control_id, "ack": out.code.as_str() }),
        outcome: if applied { "ok" } else { "failed" },
        result_count: None,
    };
    let clinic = out.clinic.or(stored.clinic_id);
    if applied {
        repo::record_retry(&txn, id, clinic, out.status, out.code.as_str(), &error, ack).await?;
        audit::record(&txn, record).await?;
        txn.commit().await.map_err(RepoError::from)?;
    } else {
        txn.rollback().await.map_err(RepoError::from)?;
        repo::record_retry(db, id, clinic, out.status, out.code.as_str(), &error, ack).await?;
        audit::record(db, record).await?;
    }
    drop(guard);
    Ok(repo::get(db, &user.scope(), id).await?)
}
