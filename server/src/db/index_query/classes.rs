//! The SOP classes of the instances a clinic holds durably, by SOP Instance UID (what storage
//! commitment checks, PS3.4 §J.3.3). An instance whose spool copy was released after its
//! archive confirmed it is still held.

use crate::db::index_entities::instance;
use domain::ClinicId;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// UIDs per statement (well under the bind-parameter limits of SQLite and PostgreSQL).
const CHUNK: usize = 500;

pub async fn classes_of(
    db: &DatabaseConnection,
    clinic: ClinicId,
    uids: &[&str],
) -> Result<HashMap<String, String>, DbErr> {
    let mut out = HashMap::with_capacity(uids.len());
    for chunk in uids.chunks(CHUNK) {
        let rows: Vec<(String, String)> = instance::Entity::find()
            .select_only()
            .column(instance::Column::SopInstanceUid)
            .column(instance::Column::SopClassUid)
            .filter(instance::Column::ClinicId.eq(clinic.0))
            .filter(instance::Column::SopInstanceUid.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
