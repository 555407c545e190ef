//! Instance counters of series and studies kept by triggers on `instances` (insert: +1 and the
//! study's `updated_at`; delete: −1), in the statement that inserts or deletes the instance.
//! Before, the ingest transaction sent two more statements per instance for them: on
//! PostgreSQL two network round trips, on SQLite two round trips to sqlx's connection thread.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER instances_count_insert AFTER INSERT ON instances BEGIN \
       UPDATE series SET instance_count = instance_count + 1 WHERE id = NEW.series_id; \
       UPDATE studies SET instance_count = instance_count + 1, updated_at = NEW.received_at \
         WHERE id = (SELECT study_id FROM series WHERE id = NEW.series_id); \
     END",
    "CREATE TRIGGER instances_count_delete AFTER DELETE ON instances BEGIN \
       UPDATE series SET instance_count = instance_count - 1 WHERE id = OLD.series_id; \
       UPDATE studies SET instance_count = instance_count - 1 \
         WHERE id = (SELECT study_id FROM series WHERE id = OLD.series_id); \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS instances_count_insert",
    "DROP TRIGGER IF EXISTS instances_count_delete",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION passerelle_instance_counts() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'INSERT' THEN \
         UPDATE series SET instance_count = instance_count + 1 WHERE id = NEW.series_id; \
         UPDATE studies SET instance_count = instance_count + 1, updated_at = NEW.received_at \
           WHERE id = (SELECT study_id FROM series WHERE id = NEW.series_id); \
         RETURN NEW; \
       END IF; \
       UPDATE series SET instance_count = instance_count - 1 WHERE id = OLD.series_id; \
       UPDATE studies SET instance_count = instance_count - 1 \
         WHERE id = (SELECT study_id FROM series WHERE id = OLD.series_id); \
       RETURN OLD; \
     END $$",
    "CREATE TRIGGER instances_count AFTER INSERT OR DELETE ON instances \
     FOR EACH ROW EXECUTE FUNCTION passerelle_instance_counts()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS instances_count ON instances",
    "DROP FUNCTION IF EXISTS passerelle_instance_counts()",
];

async fn run(m: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    let statements = match db.get_database_backend() {
        DatabaseBackend::Sqlite => sqlite,
        DatabaseBackend::Postgres => postgres,
        other => {
            return Err(DbErr::Migration(format!(
                "instance counters: unsupported database {other:?}"
            )));
        }
    };
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
