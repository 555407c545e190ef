//! The tower-sessions store on SeaORM: records are MessagePack blobs; the signed-in user id is
//! copied into its own column so a user's sessions can be ended at once.

use crate::db::entities::session;
use async_trait::async_trait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The key under which the signed-in user id is kept in the session.
pub const USER_KEY: &str = "user_id";
/// The key under which the sign-in instant (Unix seconds) is kept.
pub const LOGIN_AT_KEY: &str = "login_at";

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_row(r: &Record) -> session_store::Result<session::ActiveModel> {
    let data = rmp_serde::to_vec(r).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(r.id.to_string()),
        user_id: Set(r.data.get(USER_KEY).and_then(|v| v.as_i64())),
        data: Set(data),
        expires_at: Set(r.expiry_date.unix_timestamp()),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128-bit random; on the rare collision draw a new one.
        loop {
            let row = to_row(record)?;
            match session::Entity::insert(row).exec(&self.db).await {
                Ok(_) => return Ok(()),
                Err(e)
                    if matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
                {
                    record.id = Id::default();
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Updates an existing record only: a session deleted meanwhile (sign-out elsewhere,
    /// deactivated user) is never brought back by a request that was already in flight.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = to_row(record)?;
        session::Entity::update_many()
            .set(row)
            .filter(session::Column::Id.eq(record.id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?;
        row.map(|r| {
            rmp_serde::from_slice(&r.data).map_err(|e| session_store::Error::Decode(e.to_string()))
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
