//! The procedure catalogue of each clinic: create, update, list, find by code.

use super::registry_entities::procedure as pro;
use super::{RepoError, now};
use domain::registry::{
    FieldError, FieldName, Problem, ProcedureView, Subspecialty, Turnaround, ValidProcedure,
};
use domain::{ClinicId, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

fn fill(am: &mut pro::ActiveModel, v: &ValidProcedure, t: i64) {
    am.clinic_id = Set(v.clinic.0);
    am.code = Set(v.code.to_string());
    am.name_fr = Set(v.name_fr.clone());
    am.name_en = Set(v.name_en.clone());
    am.modality = Set(v.modality.to_string());
    am.body_part = Set(v.body_part.to_string());
    am.expected_series = Set(i64::from(v.expected_series));
    am.subspecialty = Set(v.subspecialty.map(|s| s.as_str().to_owned()));
    am.subspecialty_required = Set(v.subspecialty_required);
    am.tat_stat_minutes = Set(i64::from(v.turnaround.stat_minutes));
    am.tat_urgent_minutes = Set(i64::from(v.turnaround.urgent_minutes));
    am.tat_routine_minutes = Set(i64::from(v.turnaround.routine_minutes));
    am.weight_tenths = Set(i64::from(v.weight.tenths()));
    am.active = Set(v.active);
    am.updated_at = Set(t);
}

pub fn view(m: pro::Model) -> ProcedureView {
    let u32_of = |n: i64| u32::try_from(n).unwrap_or(0);
    ProcedureView {
        id: m.id,
        clinic: ClinicId(m.clinic_id),
        code: m.code,
        name_fr: m.name_fr,
        name_en: m.name_en,
        modality: m.modality,
        body_part: m.body_part,
        expected_series: u32_of(m.expected_series),
        subspecialty: m.subspecialty.and_then(|s| Subspecialty::parse(&s).ok()),
        subspecialty_required: m.subspecialty_required,
        turnaround: Turnaround {
            stat_minutes: u32_of(m.tat_stat_minutes),
            urgent_minutes: u32_of(m.tat_urgent_minutes),
            routine_minutes: u32_of(m.tat_routine_minutes),
        },
        weight_tenths: u16::try_from(m.weight_tenths).unwrap_or(10),
        active: m.active,
    }
}

async fn check_code(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    v: &ValidProcedure,
) -> Result<(), RepoError> {
    if let Some(other) = by_code(db, v.clinic, v.code.as_str()).await?
        && Some(other.id) != id
    {
        return Err(RepoError::Field(FieldError::new(
            FieldName::Code,
            Problem::Taken,
        )));
    }
    Ok(())
}

/// Creates (`id` None) or updates an entry; its code is unique in the clinic.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    v: &ValidProcedure,
) -> Result<ProcedureView, RepoError> {
    check_code(db, id, v).await?;
    let t = now();
    let row = match id {
        Some(id) => {
            let row = pro::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(RepoError::NotFound)?;
            if row.clinic_id != v.clinic.0 {
                return Err(RepoError::Invalid("a procedure stays in its clinic".into()));
            }
            let mut am: pro::ActiveModel = row.into();
            fill(&mut am, v, t);
            am.update(db).await?
        }
        None => {
            let mut am = pro::ActiveModel {
                created_at: Set(t),
                ..Default::default()
            };
            fill(&mut am, v, t);
            am.insert(db).await?
        }
    };
    Ok(view(row))
}

/// The entry of `code` in the clinic's catalogue.
pub async fn by_code(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    code: &str,
) -> Result<Option<pro::Model>, RepoError> {
    Ok(pro::Entity::find()
        .filter(pro::Column::ClinicId.eq(clinic.0))
        .filter(pro::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<ProcedureView, RepoError> {
    let row = pro::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if !scope.allows(ClinicId(row.clinic_id)) {
        return Err(RepoError::NotFound);
    }
    Ok(view(row))
}

/// The catalogue entries in scope (optionally of one clinic), by clinic and code.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    clinic: Option<i64>,
) -> Result<Vec<ProcedureView>, RepoError> {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        c = c.add(pro::Column::ClinicId.is_in(ids));
    }
    if let Some(clinic) = clinic {
        c = c.add(pro::Column::ClinicId.eq(clinic));
    }
    Ok(pro::Entity::find()
        .filter(c)
        .order_by_asc(pro::Column::ClinicId)
        .order_by_asc(pro::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}
