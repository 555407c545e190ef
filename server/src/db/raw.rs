//! Hand-written SQL for the few hot statements that fold several lookups into one round trip
//! (each statement on SQLite is a hop to sqlx's connection thread and back): written with `?`
//! placeholders, numbered `$1, $2…` for PostgreSQL.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

/// `sql` with its `?` placeholders in the backend's syntax.
fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The statement for `db`'s backend.
pub fn statement(
    db: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    let backend = db.get_database_backend();
    Statement::from_sql_and_values(backend, numbered(backend, sql), values)
}

/// Runs a query expected to return at most one row.
pub async fn one(
    db: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Option<QueryResult>, sea_orm::DbErr> {
    db.query_one_raw(statement(db, sql, values)).await
}

/// Runs a query returning rows.
pub async fn all(
    db: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Vec<QueryResult>, sea_orm::DbErr> {
    db.query_all_raw(statement(db, sql, values)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            numbered(DbBackend::Postgres, "a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
        assert_eq!(numbered(DbBackend::Sqlite, "a = ?"), "a = ?");
    }
}
