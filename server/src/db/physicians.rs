//! Referring physicians: create, update, read, search, find by licence; each refers to one or
//! more clinics and is visible to those clinics' staff.

use super::patients::like_folded;
use super::registry_entities::{physician as phy, physician_clinic as pc};
use super::{RepoError, now};
use domain::registry::{
    FieldError, FieldName, NotifyPrefs, PersonName, PhysicianView, Problem, UrgentChannel,
    ValidPhysician,
};
use domain::{ClinicId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

fn fill(am: &mut phy::ActiveModel, v: &ValidPhysician, t: i64) {
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    am.family_name = Set(v.name.family.clone());
    am.given_name = Set(v.name.given.clone());
    am.licence = Set(v.licence.clone());
    am.email = Set(text(&v.email.as_ref().map(|e| e.to_string())));
    am.phone = Set(text(&v.phone.as_ref().map(|p| p.to_string())));
    am.phone2 = Set(text(&v.phone2.as_ref().map(|p| p.to_string())));
    am.urgent_channel = Set(v.notify.urgent.as_str().to_owned());
    am.notify_in_app = Set(v.notify.in_app);
    am.notify_email = Set(v.notify.email);
    am.user_id = Set(v.user_id);
    am.active = Set(v.active);
    am.search_key = Set(domain::registry::text::fold(&format!(
        "{} {} {}",
        v.name.family, v.name.given, v.licence
    )));
    am.updated_at = Set(t);
}

fn licence_taken() -> RepoError {
    RepoError::Field(FieldError::new(FieldName::Licence, Problem::Taken))
}

async fn set_clinics(
    db: &impl ConnectionTrait,
    id: i64,
    clinics: &[ClinicId],
) -> Result<(), RepoError> {
    pc::Entity::delete_many()
        .filter(pc::Column::PhysicianId.eq(id))
        .exec(db)
        .await?;
    for c in clinics {
        pc::ActiveModel {
            physician_id: Set(id),
            clinic_id: Set(c.0),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Creates a physician; `Field(Licence, Taken)` when the licence is known already.
pub async fn insert(db: &impl ConnectionTrait, v: &ValidPhysician) -> Result<i64, RepoError> {
    if by_licence(db, &v.licence).await?.is_some() {
        return Err(licence_taken());
    }
    let t = now();
    let mut am = phy::ActiveModel {
        created_at: Set(t),
        ..Default::default()
    };
    fill(&mut am, v, t);
    let id = am
        .insert(db)
        .await
        .map_err(|e| match super::conflict(e, "licence") {
            RepoError::Conflict(_) => licence_taken(),
            other => other,
        })?
        .id;
    set_clinics(db, id, &v.clinics).await?;
    Ok(id)
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    v: &ValidPhysician,
) -> Result<(), RepoError> {
    let row = phy::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if let Some(other) = by_licence(db, &v.licence).await?
        && other != id
    {
        return Err(licence_taken());
    }
    let mut am: phy::ActiveModel = row.into();
    fill(&mut am, v, now());
    am.update(db).await?;
    set_clinics(db, id, &v.clinics).await
}

pub async fn by_licence(
    db: &impl ConnectionTrait,
    licence: &str,
) -> Result<Option<i64>, RepoError> {
    Ok(phy::Entity::find()
        .filter(phy::Column::Licence.eq(licence))
        .one(db)
        .await?
        .map(|r| r.id))
}

/// Adds a clinic to a physician's clinics (an order from a new clinic names them).
pub async fn add_clinic(
    db: &impl ConnectionTrait,
    id: i64,
    clinic: ClinicId,
) -> Result<(), RepoError> {
    let has = pc::Entity::find()
        .filter(pc::Column::PhysicianId.eq(id))
        .filter(pc::Column::ClinicId.eq(clinic.0))
        .one(db)
        .await?
        .is_some();
    if !has {
        pc::ActiveModel {
            physician_id: Set(id),
            clinic_id: Set(clinic.0),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

async fn clinics_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ClinicId>>, RepoError> {
    let mut out: HashMap<i64, Vec<ClinicId>> = HashMap::new();
    for r in pc::Entity::find()
        .filter(pc::Column::PhysicianId.is_in(ids.to_vec()))
        .order_by_asc(pc::Column::ClinicId)
        .all(db)
        .await?
    {
        out.entry(r.physician_id)
            .or_default()
            .push(ClinicId(r.clinic_id));
    }
    Ok(out)
}

fn view(m: phy::Model, clinics: Vec<ClinicId>) -> PhysicianView {
    PhysicianView {
        id: m.id,
        name: PersonName {
            family: m.family_name,
            given: m.given_name,
            middle: String::new(),
        },
        licence: m.licence,
        clinics,
        email: m.email,
        phone: m.phone,
        phone2: m.phone2,
        notify: NotifyPrefs {
            in_app: m.notify_in_app,
            email: m.notify_email,
            urgent: UrgentChannel::parse(&m.urgent_channel).unwrap_or_default(),
        },
        user_id: m.user_id,
        active: m.active,
    }
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<phy::Model>,
) -> Result<Vec<PhysicianView>, RepoError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut clinics = clinics_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = clinics.remove(&r.id).unwrap_or_default();
            view(r, c)
        })
        .collect())
}

/// The physicians referring to a clinic in scope, matching `text` (name or licence), by name.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    text: &str,
    limit: u64,
) -> Result<Vec<PhysicianView>, RepoError> {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        let visible = pc::Entity::find()
            .select_only()
            .column(pc::Column::PhysicianId)
            .filter(pc::Column::ClinicId.is_in(ids))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        c = c.add(phy::Column::Id.is_in(visible));
    }
    for word in domain::registry::text::fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
    {
        c = c.add(Expr::col(phy::Column::SearchKey).like(like_folded(word)));
    }
    let rows = phy::Entity::find()
        .filter(c)
        .order_by_asc(phy::Column::FamilyName)
        .order_by_asc(phy::Column::GivenName)
        .limit(limit)
        .all(db)
        .await?;
    views(db, rows).await
}

/// One physician, if one of their clinics is in scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<PhysicianView, RepoError> {
    let row = phy::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let v = views(db, vec![row]).await?.remove(0);
    if !scope.sees_any(&v.clinics) {
        return Err(RepoError::NotFound);
    }
    Ok(v)
}

/// The physician profile of a user account (role referring_physician), if any.
pub async fn of_user(db: &impl ConnectionTrait, user: i64) -> Result<Option<i64>, RepoError> {
    Ok(phy::Entity::find()
        .filter(phy::Column::UserId.eq(user))
        .one(db)
        .await?
        .map(|r| r.id))
}

/// Names of physicians by id.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, PersonName>, RepoError> {
    Ok(phy::Entity::find()
        .filter(phy::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.id,
                PersonName {
                    family: m.family_name,
                    given: m.given_name,
                    middle: String::new(),
                },
            )
        })
        .collect())
}
