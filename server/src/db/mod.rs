//! Database access: connection (SQLite or PostgreSQL), migrations, entities and the repositories.
//! Repositories that read tenant data take a `Scope`; there is no unscoped query for handlers.

/// A SeaORM entity with an `i64` primary key `id` and no relations, in its own module.
macro_rules! entity {
    ($modname:ident, $table:literal, $doc:literal, { $($field:ident : $ty:ty),* $(,)? }) => {
        #[doc = $doc]
        pub mod $modname {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i64,
                $(pub $field: $ty,)*
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

pub mod audit;
pub mod clinics;
pub mod completeness;
pub mod counters;
pub mod entities;
pub mod gate;
pub mod hl7;
pub mod id_cache;
pub mod index;
pub mod index_attrs;
pub mod index_batch;
pub mod index_entities;
pub mod index_query;
pub mod maintenance;
pub mod network;
pub mod order_intake;
pub mod order_links;
pub mod order_reads;
pub mod orders;
pub mod patients;
pub mod performed_steps;
pub mod physicians;
pub mod procedures;
pub mod queue;
pub mod radiologists;
pub mod raw;
pub mod reconcile;
pub mod registry_entities;
pub mod repair;
pub mod retrieves;
pub mod routing;
pub mod routing_entities;
pub mod rules;
pub mod studies;
pub mod tokens;
pub mod transfers;
pub mod users;
pub mod worklist;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Errors of the repositories.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    /// A field's value refused (unique in its clinic, a lifecycle rule…), said by field.
    #[error("{0}")]
    Field(domain::registry::FieldError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Opens a pool on `url` (`sqlite://…?mode=rwc` or `postgres://…`).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(max_connections)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A pooled connection is pinged before use only after 30 s idle (a PostgreSQL server,
        // proxy or firewall may have dropped it), not on every checkout: for SQLite each ping
        // is a round trip to sqlx's connection thread, one more per transaction.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(opts).await
}

/// Applies every pending migration.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Seconds since the Unix epoch (the schema stores instants as such).
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Maps a unique-constraint violation to `Conflict(what)`.
pub(crate) fn conflict(err: DbErr, what: &str) -> RepoError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => RepoError::Conflict(what.to_owned()),
        _ => RepoError::Db(err),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    /// `.cargo/config.toml` builds the bundled SQLite with ENABLE_QPSG; without it every
    /// statement with `LIMIT ?` is prepared again on each execution (see the comment there).
    #[tokio::test]
    async fn bundled_sqlite_has_the_query_planner_stability_guarantee() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("q.db").display());
        let db = super::connect(&url, 1).await.expect("connect");
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT compile_options FROM pragma_compile_options \
                 WHERE compile_options = 'ENABLE_QPSG'",
            ))
            .await
            .expect("query");
        assert!(row.is_some(), "SQLite built without SQLITE_ENABLE_QPSG");
    }
}
