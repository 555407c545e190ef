//! Radiologists' reading profiles: licence, subspecialties, modalities, credentials per clinic,
//! weekly availability and absences, load limit. One profile per user account.

use super::entities::user;
use super::registry_entities::{
    radiologist as rad, radiologist_absence as abs, radiologist_clinic as cred,
    radiologist_slot as slot,
};
use super::{RepoError, now};
use domain::registry::{
    Absence, CivilDate, Credential, FieldError, FieldName, Problem, RadiologistView, Subspecialty,
    ValidRadiologist, Weekday, WeeklySlot,
};
use domain::{ClinicId, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

async fn replace_children(
    db: &impl ConnectionTrait,
    id: i64,
    v: &ValidRadiologist,
) -> Result<(), RepoError> {
    cred::Entity::delete_many()
        .filter(cred::Column::RadiologistId.eq(id))
        .exec(db)
        .await?;
    slot::Entity::delete_many()
        .filter(slot::Column::RadiologistId.eq(id))
        .exec(db)
        .await?;
    abs::Entity::delete_many()
        .filter(abs::Column::RadiologistId.eq(id))
        .exec(db)
        .await?;
    for c in &v.credentials {
        cred::ActiveModel {
            radiologist_id: Set(id),
            clinic_id: Set(c.clinic.0),
            expires_on: Set(c.expires_on.map(|d| d.to_string())),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    for s in &v.availability {
        slot::ActiveModel {
            radiologist_id: Set(id),
            weekday: Set(i64::from(s.weekday.number())),
            start_minute: Set(i64::from(s.start_minute)),
            end_minute: Set(i64::from(s.end_minute)),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    for a in &v.absences {
        abs::ActiveModel {
            radiologist_id: Set(id),
            from_date: Set(a.from.to_string()),
            to_date: Set(a.to.to_string()),
            reason: Set(a.reason.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

fn fill(am: &mut rad::ActiveModel, v: &ValidRadiologist, t: i64) {
    am.user_id = Set(v.user_id);
    am.licence = Set(v.licence.to_string());
    am.licence_expiry = Set(v.licence_expiry.to_string());
    am.subspecialties = Set(v
        .subspecialties
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(","));
    am.modalities = Set(v
        .modalities
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join("\\"));
    am.max_open_tasks = Set(i64::from(v.max_open_tasks));
    am.active = Set(v.active);
    am.updated_at = Set(t);
}

async fn check_unique(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    v: &ValidRadiologist,
) -> Result<(), RepoError> {
    let other = |col: rad::Column, val: sea_orm::Value| async move {
        Ok::<_, RepoError>(
            rad::Entity::find()
                .filter(col.eq(val))
                .one(db)
                .await?
                .filter(|r| Some(r.id) != id)
                .is_some(),
        )
    };
    if other(rad::Column::UserId, v.user_id.into()).await? {
        return Err(RepoError::Field(FieldError::new(
            FieldName::User,
            Problem::Taken,
        )));
    }
    if other(rad::Column::Licence, v.licence.to_string().into()).await? {
        return Err(RepoError::Field(FieldError::new(
            FieldName::Licence,
            Problem::Taken,
        )));
    }
    Ok(())
}

/// Creates (`id` None) or updates a profile with its credentials, slots and absences.
pub async fn save(
    db: &impl ConnectionTrait,
    id: Option<i64>,
    v: &ValidRadiologist,
) -> Result<i64, RepoError> {
    check_unique(db, id, v).await?;
    let t = now();
    let id = match id {
        Some(id) => {
            let row = rad::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(RepoError::NotFound)?;
            let mut am: rad::ActiveModel = row.into();
            fill(&mut am, v, t);
            am.update(db).await?.id
        }
        None => {
            let mut am = rad::ActiveModel {
                created_at: Set(t),
                ..Default::default()
            };
            fill(&mut am, v, t);
            am.insert(db).await?.id
        }
    };
    replace_children(db, id, v).await?;
    Ok(id)
}

async fn view(db: &impl ConnectionTrait, m: rad::Model) -> Result<RadiologistView, RepoError> {
    let u = user::Entity::find_by_id(m.user_id).one(db).await?;
    let credentials = cred::Entity::find()
        .filter(cred::Column::RadiologistId.eq(m.id))
        .order_by_asc(cred::Column::ClinicId)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Credential {
            clinic: ClinicId(c.clinic_id),
            expires_on: c
                .expires_on
                .and_then(|d| CivilDate::parse(FieldName::Credentials, &d).ok()),
        })
        .collect();
    let availability = slot::Entity::find()
        .filter(slot::Column::RadiologistId.eq(m.id))
        .order_by_asc(slot::Column::Weekday)
        .order_by_asc(slot::Column::StartMinute)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| {
            Some(WeeklySlot {
                weekday: Weekday::new(u8::try_from(s.weekday).ok()?)?,
                start_minute: u16::try_from(s.start_minute).ok()?,
                end_minute: u16::try_from(s.end_minute).ok()?,
            })
        })
        .collect();
    let absences = abs::Entity::find()
        .filter(abs::Column::RadiologistId.eq(m.id))
        .order_by_asc(abs::Column::FromDate)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| Absence::new(&a.from_date, &a.to_date, &a.reason).ok())
        .collect();
    Ok(RadiologistView {
        id: m.id,
        user_id: m.user_id,
        username: u.as_ref().map(|u| u.username.clone()).unwrap_or_default(),
        display_name: u.map(|u| u.display_name).unwrap_or_default(),
        licence_expiry: CivilDate::parse(FieldName::LicenceExpiry, &m.licence_expiry)
            .unwrap_or(CivilDate::EPOCH),
        licence: m.licence,
        subspecialties: m
            .subspecialties
            .split(',')
            .filter_map(|s| Subspecialty::parse(s).ok())
            .collect(),
        modalities: m
            .modalities
            .split('\\')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        credentials,
        availability,
        absences,
        max_open_tasks: u32::try_from(m.max_open_tasks).unwrap_or(1),
        active: m.active,
    })
}

/// One profile; staff see the radiologists credentialed in one of their clinics.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<RadiologistView, RepoError> {
    let row = rad::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let v = view(db, row).await?;
    let clinics: Vec<ClinicId> = v.credentials.iter().map(|c| c.clinic).collect();
    if !scope.sees_any(&clinics) {
        return Err(RepoError::NotFound);
    }
    Ok(v)
}

/// The profiles visible in scope, by display name.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<RadiologistView>, RepoError> {
    let mut q = rad::Entity::find();
    if let Some(ids) = scope.clinic_ids() {
        let visible = cred::Entity::find()
            .select_only()
            .column(cred::Column::RadiologistId)
            .filter(cred::Column::ClinicId.is_in(ids))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        q = q.filter(rad::Column::Id.is_in(visible));
    }
    let mut out = Vec::new();
    for r in q.all(db).await? {
        out.push(view(db, r).await?);
    }
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(out)
}
