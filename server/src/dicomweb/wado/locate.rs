//! Which instances a WADO-RS request names (PS3.18 §10.4.1.1: study, series or instance
//! resource), read from the index within the caller's clinics, and where their spool files are.
//! An instance outside the caller's clinics is not found, exactly like one that does not exist.

use crate::db::index_entities::{instance, series, study};
use crate::dicomweb::DwError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path};
use domain::Scope;
use http::request::Parts;
use sea_orm::FromQueryResult;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order, Query as Sql};
use std::collections::HashMap;
use std::path::PathBuf;

/// The resource of a request: a study, a series of it, or an instance of that series.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub study: &'a str,
    pub series: Option<&'a str>,
    pub instance: Option<&'a str>,
}

/// The resource a WADO-RS path names, from the route's parameters (`study`, and `series`,
/// `instance`, `frames` when the route has them), so one handler serves every level.
#[derive(Debug, Clone)]
pub struct Resource {
    pub study: String,
    pub series: Option<String>,
    pub instance: Option<String>,
    pub frames: Option<String>,
}

impl Resource {
    pub fn target(&self) -> Target<'_> {
        Target {
            study: &self.study,
            series: self.series.as_deref(),
            instance: self.instance.as_deref(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Resource {
    type Rejection = DwError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, DwError> {
        let Path(mut p) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| DwError::NotFound)?;
        Ok(Self {
            study: p.remove("study").ok_or(DwError::NotFound)?,
            series: p.remove("series"),
            instance: p.remove("instance"),
            frames: p.remove("frames"),
        })
    }
}

/// One instance and its spool file.
#[derive(Debug, Clone)]
pub struct Located {
    pub study_uid: String,
    pub series_uid: String,
    pub sop_instance_uid: String,
    pub transfer_syntax: String,
    pub path: PathBuf,
}

impl Located {
    /// `{base}/studies/…/series/…/instances/…` (PS3.18 §10.4.1.1.3).
    pub fn url(&self, base: &str) -> String {
        format!(
            "{base}/studies/{}/series/{}/instances/{}",
            self.study_uid, self.series_uid, self.sop_instance_uid
        )
    }
}

/// The instances of a target: those whose spool copy is here, and how many were released to
/// the archive after forwarding (`purged_at` set).
#[derive(Debug, Default)]
pub struct Found {
    pub here: Vec<Located>,
    pub released: usize,
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    clinic_id: i64,
    study_uid: String,
    series_uid: String,
    sop_instance_uid: String,
    transfer_syntax: String,
    spool_path: String,
    purged_at: Option<i64>,
}

fn condition(scope: &Scope, t: &Target<'_>) -> Condition {
    let mut c =
        Condition::all().add(Expr::col((study::Entity, study::Column::StudyUid)).eq(t.study));
    if let Some(ids) = scope.clinic_ids() {
        c = c
            .add(Expr::col((study::Entity, study::Column::ClinicId)).is_in(ids.clone()))
            .add(Expr::col((instance::Entity, instance::Column::ClinicId)).is_in(ids));
    }
    if let Some(s) = t.series {
        c = c.add(Expr::col((series::Entity, series::Column::SeriesUid)).eq(s));
    }
    if let Some(i) = t.instance {
        c = c.add(Expr::col((instance::Entity, instance::Column::SopInstanceUid)).eq(i));
    }
    c
}

/// The instances of `t` the caller may see, in series then arrival order; 404 when there is
/// none (not in the index, or in another clinic). Instances released after forwarding are
/// fetched back from the archive first (`fetchback`); those that cannot be are `released`.
pub async fn find(state: &AppState, scope: &Scope, t: Target<'_>) -> Result<Found, DwError> {
    let mut rows = rows(state, scope, &t).await?;
    if rows.is_empty() {
        return Err(DwError::NotFound);
    }
    let purged: Vec<&Row> = rows.iter().filter(|r| r.purged_at.is_some()).collect();
    if let Some(first) = purged.first() {
        let ids: Vec<i64> = purged.iter().map(|r| r.id).collect();
        fetch_back(state, first.clinic_id, &ids).await;
        rows = self::rows(state, scope, &t).await?;
    }
    Ok(found(state, rows))
}

/// The instances of `t` held here, for a resource that needs only one of them (a study or
/// series thumbnail): when none is held, only the middle one is fetched back, not the whole
/// study, so that looking at a released study costs one retrieve.
pub async fn find_one(state: &AppState, scope: &Scope, t: Target<'_>) -> Result<Found, DwError> {
    let rows = rows(state, scope, &t).await?;
    if rows.iter().any(|r| r.purged_at.is_none()) {
        return Ok(found(state, rows));
    }
    let Some(middle) = rows.get(rows.len() / 2) else {
        return Err(DwError::NotFound);
    };
    fetch_back(state, middle.clinic_id, &[middle.id]).await;
    Ok(found(state, self::rows(state, scope, &t).await?))
}

async fn fetch_back(state: &AppState, clinic: i64, ids: &[i64]) {
    let calling = crate::qr::local_ae(&state.db, domain::ClinicId(clinic))
        .await
        .unwrap_or_else(|_| state.config.forward.calling_ae.clone());
    let spool = match crate::storage::Spool::open(state.config.server.data_dir.join("spool")) {
        Ok(s) => s,
        Err(e) => return tracing::error!(error = %e, "cannot open the spool"),
    };
    match crate::fetchback::restore(&state.db, &spool, &calling, ids).await {
        Ok(n) => tracing::info!(
            restored = n,
            wanted = ids.len(),
            "fetched back from the archive"
        ),
        Err(e) => tracing::error!(error = %e, "fetch-back failed"),
    }
}

async fn rows(state: &AppState, scope: &Scope, t: &Target<'_>) -> Result<Vec<Row>, DwError> {
    let mut q = Sql::select();
    q.from(instance::Entity)
        .inner_join(
            series::Entity,
            Expr::col((series::Entity, series::Column::Id))
                .equals((instance::Entity, instance::Column::SeriesId)),
        )
        .inner_join(
            study::Entity,
            Expr::col((study::Entity, study::Column::Id))
                .equals((series::Entity, series::Column::StudyId)),
        )
        .column((study::Entity, study::Column::StudyUid))
        .column((series::Entity, series::Column::SeriesUid))
        .columns([
            (instance::Entity, instance::Column::Id),
            (instance::Entity, instance::Column::ClinicId),
            (instance::Entity, instance::Column::SopInstanceUid),
            (instance::Entity, instance::Column::TransferSyntax),
            (instance::Entity, instance::Column::SpoolPath),
            (instance::Entity, instance::Column::PurgedAt),
        ])
        .cond_where(condition(scope, t))
        .order_by((series::Entity, series::Column::Id), Order::Asc)
        .order_by((instance::Entity, instance::Column::Id), Order::Asc);
    let stmt = state.db.get_database_backend().build(&q);
    Row::find_by_statement(stmt)
        .all(&state.db)
        .await
        .map_err(DwError::internal)
}

fn found(state: &AppState, rows: Vec<Row>) -> Found {
    let spool = state.config.server.data_dir.join("spool");
    let mut found = Found::default();
    for r in rows {
        if r.purged_at.is_some() {
            found.released += 1;
            continue;
        }
        found.here.push(Located {
            study_uid: r.study_uid,
            series_uid: r.series_uid,
            sop_instance_uid: r.sop_instance_uid,
            transfer_syntax: r.transfer_syntax.trim_end_matches(['\0', ' ']).to_owned(),
            path: spool.join(&r.spool_path),
        });
    }
    found
}
