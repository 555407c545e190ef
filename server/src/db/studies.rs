//! Study queries for the UI: a filtered, paged list and one study with its series and instances.
//! Every query takes the caller's `Scope`.

use super::RepoError;
use super::index_entities::{instance, patient, series, study};
use domain::transfers::ForwardMark;
use domain::views::{InstanceRow, SeriesDetail, StudyDetail, StudyPage, StudyQuery, StudySummary};
use domain::{ClinicId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

pub const PAGE_SIZE: u64 = 25;

/// `%text%` for LIKE, with the user's own `%`, `_` and `\` escaped.
fn like(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn contains(col: impl sea_orm::IntoSimpleExpr, text: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(col.into_simple_expr()))
        .like(sea_orm::sea_query::LikeExpr::new(like(text)).escape('\\'))
}

fn condition(scope: &Scope, q: &StudyQuery, patients: Option<Vec<i64>>) -> Condition {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        c = c.add(study::Column::ClinicId.is_in(ids));
    }
    if let Some(clinic) = q.clinic {
        c = c.add(study::Column::ClinicId.eq(clinic));
    }
    if let Some(p) = patients {
        c = c.add(study::Column::PatientId.is_in(p));
    }
    if !q.date_from.trim().is_empty() {
        c = c.add(study::Column::StudyDate.gte(q.date_from.trim()));
    }
    if !q.date_to.trim().is_empty() {
        c = c.add(study::Column::StudyDate.lte(q.date_to.trim()));
    }
    if !q.modality.trim().is_empty() {
        c = c.add(contains(study::Column::Modalities, &q.modality));
    }
    if !q.accession.trim().is_empty() {
        c = c.add(contains(study::Column::Accession, &q.accession));
    }
    c
}

async fn patients_matching(
    db: &impl ConnectionTrait,
    scope: &Scope,
    text: &str,
) -> Result<Vec<i64>, RepoError> {
    let mut q = patient::Entity::find()
        .select_only()
        .column(patient::Column::Id)
        .filter(
            Condition::any()
                .add(contains(patient::Column::Name, text))
                .add(contains(patient::Column::PatientKey, text)),
        );
    if let Some(ids) = scope.clinic_ids() {
        q = q.filter(patient::Column::ClinicId.is_in(ids));
    }
    Ok(q.into_tuple::<i64>().all(db).await?)
}

fn summary(s: study::Model, p: Option<&patient::Model>) -> StudySummary {
    StudySummary {
        id: s.id,
        clinic: ClinicId(s.clinic_id),
        patient_name: p.map(|p| p.name.clone()).unwrap_or_default(),
        patient_id: p.map(|p| p.patient_key.clone()).unwrap_or_default(),
        birth_date: p.map(|p| p.birth_date.clone()).unwrap_or_default(),
        study_date: s.study_date,
        modalities: s.modalities,
        description: s.description,
        accession: s.accession,
        instance_count: s.instance_count,
        source_ae: s.source_ae,
        received_at: s.received_at,
        completed_at: s.completed_at,
        completion: serde_json::from_str(&s.completion).ok(),
    }
}

/// One page of the studies in scope that match the filters, newest first.
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &StudyQuery,
) -> Result<StudyPage, RepoError> {
    let patients = if q.patient.trim().is_empty() {
        None
    } else {
        Some(patients_matching(db, scope, &q.patient).await?)
    };
    let query = study::Entity::find()
        .filter(condition(scope, q, patients))
        .order_by_desc(study::Column::StudyDate)
        .order_by_desc(study::Column::ReceivedAt)
        .order_by_desc(study::Column::Id);
    let paginator = query.paginate(db, PAGE_SIZE);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(q.page).await?;
    let ids: Vec<i64> = rows.iter().map(|s| s.patient_id).collect();
    let pats: HashMap<i64, patient::Model> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows = rows
        .into_iter()
        .map(|s| {
            let p = pats.get(&s.patient_id);
            summary(s, p)
        })
        .collect();
    Ok(StudyPage {
        rows,
        total,
        page: q.page,
        page_size: PAGE_SIZE,
    })
}

/// The studies of a clinic whose Patient ID is one of `keys` (a patient record's identifiers),
/// newest first.
pub async fn of_patient_keys(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    keys: &[String],
) -> Result<Vec<StudySummary>, RepoError> {
    let pats: HashMap<i64, patient::Model> = patient::Entity::find()
        .filter(patient::Column::ClinicId.eq(clinic.0))
        .filter(patient::Column::PatientKey.is_in(keys.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows = study::Entity::find()
        .filter(study::Column::PatientId.is_in(pats.keys().copied().collect::<Vec<_>>()))
        .order_by_desc(study::Column::StudyDate)
        .order_by_desc(study::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let p = pats.get(&s.patient_id);
            summary(s, p)
        })
        .collect())
}

/// Where each of `instances` was sent or is queued, by instance id.
async fn forward_marks(
    db: &impl ConnectionTrait,
    instances: Vec<i64>,
) -> Result<HashMap<i64, Vec<ForwardMark>>, RepoError> {
    use super::routing_entities::{destination, forward_job};
    let names: HashMap<i64, String> = destination::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut out: HashMap<i64, Vec<ForwardMark>> = HashMap::new();
    for j in forward_job::Entity::find()
        .filter(forward_job::Column::InstanceId.is_in(instances))
        .order_by_asc(forward_job::Column::Id)
        .all(db)
        .await?
    {
        out.entry(j.instance_id).or_default().push(ForwardMark {
            destination: names.get(&j.destination_id).cloned().unwrap_or_default(),
            state: j.state,
            done_at: j.done_at,
        });
    }
    Ok(out)
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<StudyDetail, RepoError> {
    let s = study::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if !scope.allows(ClinicId(s.clinic_id)) {
        return Err(RepoError::NotFound);
    }
    let p = patient::Entity::find_by_id(s.patient_id).one(db).await?;
    let series_rows = series::Entity::find()
        .filter(series::Column::StudyId.eq(s.id))
        .order_by_asc(series::Column::Id)
        .all(db)
        .await?;
    let series_ids: Vec<i64> = series_rows.iter().map(|r| r.id).collect();
    let mut by_series: HashMap<i64, Vec<InstanceRow>> = HashMap::new();
    let instances = instance::Entity::find()
        .filter(instance::Column::SeriesId.is_in(series_ids))
        .order_by_asc(instance::Column::Id)
        .all(db)
        .await?;
    let mut marks = forward_marks(db, instances.iter().map(|i| i.id).collect()).await?;
    for i in instances {
        by_series.entry(i.series_id).or_default().push(InstanceRow {
            released: i.purged_at.is_some(),
            forwards: marks.remove(&i.id).unwrap_or_default(),
            sop_instance_uid: i.sop_instance_uid,
            number: i.instance_number,
            sop_class_uid: i.sop_class_uid,
            transfer_syntax: i.transfer_syntax,
            size: i.size,
            calling_ae: i.calling_ae,
            received_at: i.received_at,
        });
    }
    for list in by_series.values_mut() {
        list.sort_by_key(|i| {
            (
                i.number.trim().parse::<i64>().unwrap_or(i64::MAX),
                i.received_at,
            )
        });
    }
    let series = series_rows
        .into_iter()
        .map(|r| SeriesDetail {
            instances: by_series.remove(&r.id).unwrap_or_default(),
            series_uid: r.series_uid,
            number: r.number,
            modality: r.modality,
            description: r.description,
            body_part: r.body_part,
        })
        .collect();
    let (study_uid, referring) = (s.study_uid.clone(), s.referring_physician.clone());
    Ok(StudyDetail {
        summary: summary(s, p.as_ref()),
        study_uid,
        referring_physician: referring,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like(" Tremblay "), "%tremblay%");
        assert_eq!(like("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
