//! Checks every spool copy the index says is present against what the index recorded (size and
//! the BLAKE3 digest of the data set as received): the `passerelle spool verify` command, for
//! an operator after a disk fault or a power loss. Reading only; a damaged copy is repaired by
//! the sender's retry (and forwarding already refuses to send one).

use super::Spool;
use crate::db::index_entities::instance;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("the checking task failed")]
    Task,
}

/// How many index rows are read at a time.
const PAGE: u64 = 500;

/// Why a copy does not match the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No file at its path.
    Missing,
    /// Another size, or bytes that do not hash to the recorded digest.
    Differs,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Missing => "missing",
            Fault::Differs => "differs",
        }
    }
}

/// A copy that does not match the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub instance_id: i64,
    pub sop_instance_uid: String,
    pub spool_path: String,
    pub fault: Fault,
}

/// What was checked, and what did not match.
#[derive(Debug, Default)]
pub struct Report {
    pub checked: u64,
    pub damaged: Vec<Damaged>,
}

fn check(spool: &Spool, row: &instance::Model) -> Option<Fault> {
    if !spool.path(&row.spool_path).is_file() {
        return Some(Fault::Missing);
    }
    let intact = spool.intact(&row.spool_path, row.size as u64, &row.digest);
    (!intact).then_some(Fault::Differs)
}

/// Checks every instance whose copy was not released, in id order.
pub async fn verify(db: &DatabaseConnection, spool: &Spool) -> Result<Report, VerifyError> {
    let mut report = Report::default();
    let mut after = 0i64;
    loop {
        let rows = instance::Entity::find()
            .filter(instance::Column::PurgedAt.is_null())
            .filter(instance::Column::Id.gt(after))
            .order_by_asc(instance::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(report);
        };
        after = last.id;
        report.checked += rows.len() as u64;
        let spool = spool.clone();
        let checked = tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .filter_map(|r| {
                    check(&spool, &r).map(|fault| Damaged {
                        instance_id: r.id,
                        sop_instance_uid: r.sop_instance_uid,
                        spool_path: r.spool_path,
                        fault,
                    })
                })
                .collect::<Vec<_>>()
        });
        report
            .damaged
            .extend(checked.await.map_err(|_| VerifyError::Task)?);
    }
}
