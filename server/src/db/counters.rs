//! Named counters, incremented inside the caller's transaction (generated accession numbers).
//! One `UPDATE … RETURNING` on both SQLite and PostgreSQL: concurrent callers get different
//! values (PostgreSQL locks the row; SQLite has one writer).

use super::RepoError;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The next value of `name` (1 for a new counter).
pub async fn next(db: &impl ConnectionTrait, name: &str) -> Result<u64, RepoError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO counters (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
        }
        _ => {
            "INSERT INTO counters (name, value) VALUES (?, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [name.into()]))
        .await?
        .ok_or(RepoError::NotFound)?;
    let v: i64 = row.try_get("", "value")?;
    Ok(u64::try_from(v).unwrap_or(0))
}
