//! The durable intake of one HL7 message (HL7 v2.5.1 ch. 2.9, original acknowledgment mode):
//! decoded (MSH-18), parsed, looked up (a message seen before, by sending application, facility
//! and MSH-10, gets the ACK it got then and changes nothing), mapped to its clinic, applied in
//! one transaction that also stores it raw with its ACK, and only then answered. A message that
//! cannot be read is stored too and answered AR; one whose content is wrong, AE.

use super::apply::{self, ApplyError, Ctx};
use crate::db::hl7::{self as repo, Record};
use crate::db::{RepoError, gate};
use crate::state::AppState;
use crate::workflow::time;
use domain::hl7::ack::{AckCode, Header, Issue, build_ack};
use domain::hl7::read::{self, Event};
use domain::hl7::views::MessageStatus;
use domain::hl7::{Charset, ErrCode, Loc, Message, charset};
use sea_orm::TransactionTrait;

/// A message as it came off the connection.
pub struct Inbound<'a> {
    pub bytes: &'a [u8],
    pub peer: &'a str,
}

/// The answer to send, in the message's character set.
pub struct Answer {
    pub ack: Vec<u8>,
    pub code: AckCode,
}

fn ack_id() -> String {
    format!("PAS{}", &uuid::Uuid::new_v4().simple().to_string()[..17])
}

fn answer(h: &Header, cs: Charset, code: AckCode, issues: &[Issue]) -> Answer {
    let text = build_ack(h, code, issues, &ack_id(), &time::hl7_now());
    Answer {
        ack: cs.encode(&text),
        code,
    }
}

fn dedupe_key(h: &Header) -> String {
    format!("{}|{}|{}", h.sending_app, h.sending_facility, h.control_id)
}

fn record(h: &Header, input: &Inbound<'_>, cs: Charset, key: Option<String>) -> Record {
    Record {
        received_at: crate::db::queue::now_ms(),
        dedupe_key: key,
        peer: input.peer.to_owned(),
        sending_app: h.sending_app.chars().take(64).collect(),
        sending_facility: h.sending_facility.chars().take(64).collect(),
        receiving_facility: h.receiving_facility.chars().take(64).collect(),
        control_id: h.control_id.chars().take(199).collect(),
        message_type: h.kind().chars().take(32).collect(),
        version: h.version.chars().take(16).collect(),
        charset: cs.hl7_name().to_owned(),
        raw: input.bytes.to_vec(),
        size: i64::try_from(input.bytes.len()).unwrap_or(i64::MAX),
        ..Default::default()
    }
}

/// What went wrong with storing: answered AE 207, so the sender sends it again.
fn unstored(h: &Header, cs: Charset, e: &RepoError) -> Answer {
    tracing::error!(error = %e, control_id = %h.control_id, "HL7 message not stored");
    let issue = Issue::error(
        ErrCode::ApplicationInternalError,
        None,
        "the message could not be stored; send it again",
    );
    answer(h, cs, AckCode::AE, &[issue])
}

/// Stores a message that was not applied (rejected or refused) with its answer.
async fn store_unapplied(
    state: &AppState,
    mut r: Record,
    h: &Header,
    cs: Charset,
    code: AckCode,
    issue: Issue,
    clinic: Option<i64>,
) -> Answer {
    let a = answer(h, cs, code, std::slice::from_ref(&issue));
    r.status = if code == AckCode::AR {
        MessageStatus::Rejected
    } else {
        MessageStatus::Error
    }
    .as_str()
    .into();
    r.ack_code = code.as_str().into();
    r.error = format!(
        "{}{}",
        issue
            .loc
            .as_ref()
            .map(|l| format!("{l}: "))
            .unwrap_or_default(),
        issue.text
    );
    r.ack = a.ack.clone();
    r.clinic_id = clinic;
    let key = r.dedupe_key.clone();
    let _guard = gate::write(&state.db).await;
    match repo::insert(&state.db, r).await {
        Ok(_) => a,
        Err(RepoError::Conflict(_)) => earlier(state, key.as_deref(), h, cs).await.unwrap_or(a),
        Err(e) => unstored(h, cs, &e),
    }
}

/// The ACK stored for a key (a duplicate received meanwhile on another connection).
async fn earlier(state: &AppState, key: Option<&str>, h: &Header, cs: Charset) -> Option<Answer> {
    let ack = repo::ack_of(&state.db, key?).await.ok()??;
    let _ = (h, cs);
    Some(Answer {
        ack,
        code: AckCode::AA,
    })
}

/// The header of bytes that could not be parsed whole (for the answer), or a blank one.
fn rough_header(bytes: &[u8]) -> Header {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]).into_owned();
    Header::from_head(&head).unwrap_or_default()
}

/// Answers a message that never reached the parser (too large, truncated frame): stored, AR.
pub async fn reject_frame(state: &AppState, input: Inbound<'_>, why: &str, size: usize) -> Answer {
    let h = rough_header(input.bytes);
    let mut r = record(&h, &input, Charset::Ascii, None);
    r.size = i64::try_from(size).unwrap_or(i64::MAX);
    let issue = Issue::error(ErrCode::SegmentSequence, Some(Loc::new("MSH", 1, 0)), why);
    store_unapplied(state, r, &h, Charset::Ascii, AckCode::AR, issue, None).await
}

/// Receives one whole message and returns its ACK (after it is durable).
pub async fn receive(state: &AppState, input: Inbound<'_>) -> Answer {
    let (text, cs) = match charset::decode(input.bytes) {
        Ok(x) => x,
        Err(e) => {
            let h = rough_header(input.bytes);
            let r = record(&h, &input, Charset::Ascii, None);
            return store_unapplied(
                state,
                r,
                &h,
                Charset::Ascii,
                AckCode::AR,
                Issue::from(&e),
                None,
            )
            .await;
        }
    };
    let m = match Message::parse(&text) {
        Ok(m) => m,
        Err(e) => {
            let h = rough_header(input.bytes);
            let r = record(&h, &input, cs, None);
            return store_unapplied(state, r, &h, cs, AckCode::AR, Issue::from(&e), None).await;
        }
    };
    let h = Header::read(&m);
    if let Err(issue) = h.check() {
        let r = record(&h, &input, cs, None);
        return store_unapplied(state, r, &h, cs, AckCode::AR, issue, None).await;
    }
    let key = dedupe_key(&h);
    let seen = match repo::seen(&state.db, &key, &h.sending_facility, &h.receiving_facility).await {
        Ok(s) => s,
        Err(e) => return unstored(&h, cs, &e),
    };
    if let Some(ack) = seen.ack {
        return Answer {
            ack,
            code: AckCode::AA,
        };
    }
    let r = record(&h, &input, cs, Some(key));
    let event = match read::event(&h) {
        Ok(e) => e,
        Err(issue) => return store_unapplied(state, r, &h, cs, AckCode::AR, issue, None).await,
    };
    let Some(clinic) = seen.clinic else {
        let issue = apply::unmapped(&h.sending_facility);
        return store_unapplied(state, r, &h, cs, AckCode::AE, issue, None).await;
    };
    process(state, r, &m, &h, cs, (event, clinic)).await
}

/// Applies the message in its clinic and stores it, in one transaction.
async fn process(
    state: &AppState,
    mut r: Record,
    m: &Message,
    h: &Header,
    cs: Charset,
    (event, clinic): (Event, domain::ClinicId),
) -> Answer {
    let ctx = Ctx {
        clinic,
        actor: format!("hl7:{}@{}", h.sending_app, h.sending_facility)
            .chars()
            .take(64)
            .collect(),
        accession_prefix: state.config.orders.accession_prefix.clone(),
    };
    let guard = gate::write(&state.db).await;
    let txn = match state.db.begin().await {
        Ok(t) => t,
        Err(e) => return unstored(h, cs, &e.into()),
    };
    match apply::apply(&txn, &ctx, m, event).await {
        Ok(warnings) => {
            let a = answer(h, cs, AckCode::AA, &warnings);
            r.status = MessageStatus::Applied.as_str().into();
            r.ack_code = "AA".into();
            r.error = warnings
                .iter()
                .map(|w| w.text.clone())
                .collect::<Vec<_>>()
                .join("; ");
            r.ack = a.ack.clone();
            r.clinic_id = Some(clinic.0);
            let key = r.dedupe_key.clone();
            let stored = async {
                repo::insert(&txn, r).await?;
                txn.commit().await.map_err(RepoError::from)
            }
            .await;
            drop(guard);
            match stored {
                Ok(()) => a,
                Err(RepoError::Conflict(_)) => {
                    earlier(state, key.as_deref(), h, cs).await.unwrap_or(a)
                }
                Err(e) => unstored(h, cs, &e),
            }
        }
        Err(ApplyError::Content(issue)) => {
            let _ = txn.rollback().await;
            drop(guard);
            store_unapplied(state, r, h, cs, AckCode::AE, issue, Some(clinic.0)).await
        }
        Err(ApplyError::Db(e)) => {
            let _ = txn.rollback().await;
            unstored(h, cs, &e)
        }
    }
}
