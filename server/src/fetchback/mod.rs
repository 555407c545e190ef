//! Fetch-back (DESIGN step 6): an instance whose spool copy was released after every destination
//! confirmed it is brought back from a destination that holds it, so the DICOMweb door keeps
//! serving it: by WADO-RS from a STOW-RS destination (PS3.18 §10.4), by C-GET from a DIMSE one
//! (PS3.4 §C.4.3). Each copy is written to the spool durably and the index points at it again
//! before it is served; the retention sweep releases it again later.

mod dimse;
mod wado;

use crate::db::index_entities::{instance, series, study};
use crate::db::routing::{Via, all_targets};
use crate::db::routing_entities::forward_job as job;
use crate::storage::{MetaInfo, Spool};
use domain::forward::JobState;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Repo(#[from] crate::db::RepoError),
}

/// A released instance to bring back.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub id: i64,
    pub clinic_id: i64,
    pub study_uid: String,
    pub series_uid: String,
    pub sop_uid: String,
    pub sop_class: String,
}

/// Writes a fetched copy to the spool and points the index at it (only if still released).
pub async fn save(
    db: &DatabaseConnection,
    spool: &Spool,
    w: &Wanted,
    ts: &str,
    dataset: Vec<u8>,
) -> bool {
    let (spool2, class, sop, ts2) = (
        spool.clone(),
        w.sop_class.clone(),
        w.sop_uid.clone(),
        ts.to_owned(),
    );
    let written = tokio::task::spawn_blocking(move || {
        let meta = MetaInfo {
            sop_class_uid: &class,
            sop_instance_uid: &sop,
            transfer_syntax: &ts2,
        };
        spool2.write(&meta, &dataset)
    })
    .await;
    let stored = match written {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::error!(error = %e, sop = %w.sop_uid, "cannot write a fetched-back instance");
            return false;
        }
        Err(_) => return false,
    };
    let r = instance::Entity::update_many()
        .col_expr(
            instance::Column::SpoolPath,
            Expr::value(stored.rel_path.clone()),
        )
        .col_expr(instance::Column::PurgedAt, Expr::value(Option::<i64>::None))
        // Size and transfer syntax describe the copy (a destination may return another
        // encoding); the digest stays the data set's as received, which identifies it when a
        // sender sends it again (an identical retry then restores the received bytes).
        .col_expr(instance::Column::Size, Expr::value(stored.size as i64))
        .col_expr(instance::Column::TransferSyntax, Expr::value(ts.to_owned()))
        .filter(instance::Column::Id.eq(w.id))
        .filter(instance::Column::PurgedAt.is_not_null())
        .exec(db)
        .await;
    match r {
        Ok(r) if r.rows_affected == 1 => true,
        other => {
            if let Err(e) = other {
                tracing::error!(error = %e, "cannot index a fetched-back instance");
            }
            spool.remove(&stored.rel_path);
            false
        }
    }
}

async fn wanted(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<Wanted>, FetchError> {
    let rows = instance::Entity::find()
        .filter(instance::Column::Id.is_in(ids.to_vec()))
        .filter(instance::Column::PurgedAt.is_not_null())
        .all(db)
        .await?;
    let series_ids: Vec<i64> = rows.iter().map(|r| r.series_id).collect();
    let se: HashMap<i64, series::Model> = series::Entity::find()
        .filter(series::Column::Id.is_in(series_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let study_ids: Vec<i64> = se.values().map(|s| s.study_id).collect();
    let st: HashMap<i64, study::Model> = study::Entity::find()
        .filter(study::Column::Id.is_in(study_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let s = se.get(&r.series_id)?;
            let t = st.get(&s.study_id)?;
            Some(Wanted {
                id: r.id,
                clinic_id: r.clinic_id,
                study_uid: t.study_uid.clone(),
                series_uid: s.series_uid.clone(),
                sop_uid: r.sop_instance_uid,
                sop_class: r.sop_class_uid,
            })
        })
        .collect())
}

/// Brings back the released instances among `ids` from the destinations that confirmed them;
/// returns how many are in the spool again.
pub async fn restore(
    db: &DatabaseConnection,
    spool: &Spool,
    calling: &str,
    ids: &[i64],
) -> Result<usize, FetchError> {
    let mut pending: Vec<Wanted> = wanted(db, ids).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let jobs = job::Entity::find()
        .filter(job::Column::InstanceId.is_in(pending.iter().map(|w| w.id).collect::<Vec<_>>()))
        .filter(job::Column::State.eq(JobState::Done.as_str()))
        .all(db)
        .await?;
    let targets = all_targets(db).await?;
    let mut order: Vec<i64> = jobs.iter().map(|j| j.destination_id).collect();
    order.dedup();
    let mut restored = 0;
    for dest in order {
        let Some(t) = targets.get(&dest) else {
            continue;
        };
        let here: Vec<Wanted> = pending
            .iter()
            .filter(|w| {
                jobs.iter()
                    .any(|j| j.instance_id == w.id && j.destination_id == dest)
            })
            .cloned()
            .collect();
        if here.is_empty() {
            continue;
        }
        let done = match &t.via {
            Via::Stow(s) => wado::fetch(db, spool, s, &here, t.timeout).await,
            Via::Dimse(peer) => dimse::fetch(db, spool, calling, peer, &here, t.timeout).await,
        };
        restored += done.len();
        pending.retain(|w| !done.contains(&w.id));
        if pending.is_empty() {
            break;
        }
    }
    if !pending.is_empty() {
        tracing::warn!(
            missing = pending.len(),
            "released instances could not be fetched back"
        );
    }
    Ok(restored)
}
