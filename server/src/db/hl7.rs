//! HL7 v2 intake records: every message as received with its ACK (looked up again when the
//! same message comes back), the messages page, and the facilities mapped to clinics.

use super::registry_entities::{hl7_facility as fac, hl7_message as msg};
use super::{RepoError, now};
use domain::hl7::views::{
    FacilityMap, FacilitySide, MessageDetail, MessageQuery, MessageRow, MessageStatus,
};
use domain::views::Page;
use domain::{ClinicId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

pub const PAGE_SIZE: u64 = 50;

/// A message and what was done with it, as stored.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub received_at: i64,
    /// `sending app | sending facility | control id`, when the MSH could be read.
    pub dedupe_key: Option<String>,
    pub clinic_id: Option<i64>,
    pub peer: String,
    pub sending_app: String,
    pub sending_facility: String,
    pub receiving_facility: String,
    pub control_id: String,
    pub message_type: String,
    pub version: String,
    pub charset: String,
    pub status: String,
    pub ack_code: String,
    pub error: String,
    pub raw: Vec<u8>,
    pub ack: Vec<u8>,
    pub size: i64,
}

/// The ACK already sent for a message with this key, if it was received before.
pub async fn ack_of(db: &impl ConnectionTrait, key: &str) -> Result<Option<Vec<u8>>, RepoError> {
    Ok(msg::Entity::find()
        .filter(msg::Column::DedupeKey.eq(key))
        .one(db)
        .await?
        .map(|m| m.ack))
}

/// Stores a message. `Conflict` when a message with the same key was stored meanwhile.
pub async fn insert(db: &impl ConnectionTrait, r: Record) -> Result<i64, RepoError> {
    let am = msg::ActiveModel {
        received_at: Set(r.received_at),
        dedupe_key: Set(r.dedupe_key),
        clinic_id: Set(r.clinic_id),
        peer: Set(r.peer),
        sending_app: Set(r.sending_app),
        sending_facility: Set(r.sending_facility),
        receiving_facility: Set(r.receiving_facility),
        control_id: Set(r.control_id),
        message_type: Set(r.message_type),
        version: Set(r.version),
        charset: Set(r.charset),
        status: Set(r.status),
        ack_code: Set(r.ack_code),
        error: Set(r.error),
        raw: Set(r.raw),
        ack: Set(r.ack),
        size: Set(r.size),
        processed_at: Set(Some(super::queue::now_ms())),
        attempts: Set(1),
        ..Default::default()
    };
    Ok(am
        .insert(db)
        .await
        .map_err(|e| super::conflict(e, "message"))?
        .id)
}

/// Records the outcome of processing a stored message again.
pub async fn record_retry(
    db: &impl ConnectionTrait,
    id: i64,
    clinic: Option<i64>,
    status: MessageStatus,
    ack_code: &str,
    error: &str,
    ack: Vec<u8>,
) -> Result<(), RepoError> {
    msg::Entity::update_many()
        .col_expr(msg::Column::Status, Expr::value(status.as_str()))
        .col_expr(msg::Column::AckCode, Expr::value(ack_code))
        .col_expr(msg::Column::Error, Expr::value(error))
        .col_expr(msg::Column::Ack, Expr::value(ack))
        .col_expr(msg::Column::ClinicId, Expr::value(clinic))
        .col_expr(
            msg::Column::ProcessedAt,
            Expr::value(super::queue::now_ms()),
        )
        .col_expr(
            msg::Column::Attempts,
            Expr::col(msg::Column::Attempts).add(1),
        )
        .filter(msg::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<msg::Model, RepoError> {
    msg::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

fn row(m: &msg::Model) -> MessageRow {
    MessageRow {
        id: m.id,
        received_at: m.received_at,
        peer: m.peer.clone(),
        sending_app: m.sending_app.clone(),
        sending_facility: m.sending_facility.clone(),
        control_id: m.control_id.clone(),
        message_type: m.message_type.clone(),
        clinic: m.clinic_id.map(ClinicId),
        status: MessageStatus::parse(&m.status).unwrap_or(MessageStatus::Rejected),
        ack_code: m.ack_code.clone(),
        error: m.error.clone(),
        size: m.size,
        attempts: m.attempts,
    }
}

/// Messages of the clinics in scope (messages of no clinic only for `Scope::All`), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &MessageQuery,
) -> Result<Page<MessageRow>, RepoError> {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        c = c.add(msg::Column::ClinicId.is_in(ids));
    }
    if let Some(s) = q.status {
        c = c.add(msg::Column::Status.eq(s.as_str()));
    }
    let pages = msg::Entity::find()
        .filter(c)
        .order_by_desc(msg::Column::Id)
        .paginate(db, PAGE_SIZE);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(q.page).await?.iter().map(row).collect();
    Ok(Page {
        rows,
        total,
        page: q.page,
        page_size: PAGE_SIZE,
    })
}

/// Segments on lines, the first 64 KiB, as text.
fn readable(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(65_536)];
    let text = match domain::hl7::charset::decode(cut) {
        Ok((t, _)) => t,
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    };
    text.replace('\r', "\n")
}

/// One message with its text and ACK, if in scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<MessageDetail, RepoError> {
    let m = by_id(db, id).await?;
    let visible = match m.clinic_id {
        Some(c) => scope.allows(ClinicId(c)),
        None => scope.clinic_ids().is_none(),
    };
    if !visible {
        return Err(RepoError::NotFound);
    }
    Ok(MessageDetail {
        row: row(&m),
        text: readable(&m.raw),
        ack: readable(&m.ack),
    })
}

/// Every facility mapping.
pub async fn facilities(db: &impl ConnectionTrait) -> Result<Vec<FacilityMap>, RepoError> {
    Ok(fac::Entity::find()
        .order_by_asc(fac::Column::Side)
        .order_by_asc(fac::Column::Facility)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|f| {
            Some(FacilityMap {
                side: FacilitySide::parse(&f.side)?,
                facility: f.facility,
                clinic: ClinicId(f.clinic_id),
            })
        })
        .collect())
}

/// Replaces the facility mappings (names are kept upper-cased: compared ignoring case).
pub async fn set_facilities(
    db: &impl ConnectionTrait,
    maps: &[FacilityMap],
) -> Result<(), RepoError> {
    fac::Entity::delete_many().exec(db).await?;
    for m in maps {
        fac::ActiveModel {
            side: Set(m.side.as_str().to_owned()),
            facility: Set(m.facility.trim().to_uppercase()),
            clinic_id: Set(m.clinic.0),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .map_err(|e| super::conflict(e, "facility"))?;
    }
    Ok(())
}

/// What the intake looks up before applying a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The ACK sent for a message stored with the same key.
    pub ack: Option<Vec<u8>>,
    /// The clinic its sending facility (else its receiving facility) is mapped to.
    pub clinic: Option<ClinicId>,
}

/// [`ack_of`] and [`clinic_for`] in one statement (one round trip per message, not three).
pub async fn seen(
    db: &impl ConnectionTrait,
    key: &str,
    sending: &str,
    receiving: &str,
) -> Result<Seen, RepoError> {
    let sql = "SELECT (SELECT ack FROM hl7_messages WHERE dedupe_key = ?) AS ack, \
        (SELECT clinic_id FROM hl7_facilities WHERE side = ? AND facility = ?) AS by_sending, \
        (SELECT clinic_id FROM hl7_facilities WHERE side = ? AND facility = ?) AS by_receiving";
    // An empty name maps to nothing (NULL equals nothing).
    let name = |n: &str| {
        let n = n.trim().to_uppercase();
        sea_orm::Value::String((!n.is_empty()).then_some(n))
    };
    let values = [
        key.into(),
        FacilitySide::Sending.as_str().into(),
        name(sending),
        FacilitySide::Receiving.as_str().into(),
        name(receiving),
    ];
    let Some(row) = super::raw::one(db, sql, values).await? else {
        return Ok(Seen::default());
    };
    let ack: Option<Vec<u8>> = row.try_get("", "ack")?;
    let s: Option<i64> = row.try_get("", "by_sending")?;
    let r: Option<i64> = row.try_get("", "by_receiving")?;
    Ok(Seen {
        ack,
        clinic: s.or(r).map(ClinicId),
    })
}

/// The clinic of a message: its sending facility's mapping, else its receiving facility's.
pub async fn clinic_for(
    db: &impl ConnectionTrait,
    sending: &str,
    receiving: &str,
) -> Result<Option<ClinicId>, RepoError> {
    for (side, name) in [
        (FacilitySide::Sending, sending),
        (FacilitySide::Receiving, receiving),
    ] {
        if name.trim().is_empty() {
            continue;
        }
        let hit = fac::Entity::find()
            .filter(fac::Column::Side.eq(side.as_str()))
            .filter(fac::Column::Facility.eq(name.trim().to_uppercase()))
            .one(db)
            .await?;
        if let Some(h) = hit {
            return Ok(Some(ClinicId(h.clinic_id)));
        }
    }
    Ok(None)
}
