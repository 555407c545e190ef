//! Patient records: create, update, read and search within the caller's scope; the identifiers
//! a record is known by (its record number, and aliases kept by merges and corrections); merge.
//! Studies of the index are linked to records by (clinic, Patient ID) through the identifiers.

use super::registry_entities::{order, patient_identifier as ident, patient_record as rec};
use super::{RepoError, now};
use domain::registry::{
    CivilDate, Contact, Email, FieldError, FieldName, Language, Mrn, PatientQuery, PatientView,
    PersonName, Phone, Problem, Ramq, RamqWarning, Sex, ValidPatient,
};
use domain::views::Page;
use domain::{ClinicId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

pub const PAGE_SIZE: u64 = 25;

/// A record number already used in the clinic.
fn taken() -> RepoError {
    RepoError::Field(FieldError::new(FieldName::Mrn, Problem::Taken))
}

fn fill(am: &mut rec::ActiveModel, v: &ValidPatient, t: i64) {
    am.family_name = Set(v.name.family.clone());
    am.given_name = Set(v.name.given.clone());
    am.middle_name = Set(v.name.middle.clone());
    am.birth_date = Set(v.birth_date.map(|d| d.to_string()).unwrap_or_default());
    am.sex = Set(v.sex.as_str().to_owned());
    am.language = Set(v.language.as_str().to_owned());
    am.phone = Set(v
        .contact
        .phone
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_default());
    am.email = Set(v
        .contact
        .email
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default());
    am.address = Set(v.contact.address.clone());
    am.ramq = Set(v
        .ramq
        .as_ref()
        .map(|r| r.as_str().to_owned())
        .unwrap_or_default());
    am.confirmed_warnings = Set(serde_json::to_string(&v.warnings).unwrap_or_else(|_| "[]".into()));
    am.search_key = Set(v.search_key());
    am.updated_at = Set(t);
}

async fn add_identifier(
    db: &impl ConnectionTrait,
    clinic: i64,
    identifier: &str,
    patient: i64,
    kind: &str,
) -> Result<(), RepoError> {
    ident::ActiveModel {
        clinic_id: Set(clinic),
        identifier: Set(identifier.to_owned()),
        patient_id: Set(patient),
        kind: Set(kind.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match super::conflict(e, "mrn") {
        RepoError::Conflict(_) => taken(),
        other => other,
    })?;
    Ok(())
}

/// Creates a record with its record number; `Field(Mrn, Taken)` if the number is in use.
pub async fn insert(
    db: &impl ConnectionTrait,
    v: &ValidPatient,
    source: &str,
) -> Result<i64, RepoError> {
    if find_id(db, v.clinic, v.mrn.as_str()).await?.is_some() {
        return Err(taken());
    }
    let t = now();
    let mut am = rec::ActiveModel {
        clinic_id: Set(v.clinic.0),
        source: Set(source.to_owned()),
        merged_into: Set(None),
        created_at: Set(t),
        ..Default::default()
    };
    fill(&mut am, v, t);
    let id = am.insert(db).await?.id;
    add_identifier(db, v.clinic.0, v.mrn.as_str(), id, "primary").await?;
    Ok(id)
}

/// The record currently using `identifier` in the clinic, following merges to the survivor.
pub async fn find_id(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    identifier: &str,
) -> Result<Option<i64>, RepoError> {
    // The identifier and whether its record was merged away, in one statement.
    let sql = "SELECT i.patient_id AS id, r.merged_into AS merged_into \
        FROM patient_identifiers i JOIN patient_records r ON r.id = i.patient_id \
        WHERE i.clinic_id = ? AND i.identifier = ?";
    let Some(row) = super::raw::one(db, sql, [clinic.0.into(), identifier.into()]).await? else {
        return Ok(None);
    };
    let mut id: i64 = row.try_get("", "id")?;
    let mut next: Option<i64> = row.try_get("", "merged_into")?;
    for _ in 0..16 {
        let Some(n) = next else { break };
        id = n;
        next = rec::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|r| r.merged_into);
    }
    Ok(Some(id))
}

/// The record's current number and its aliases, per record.
async fn identifiers(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, (String, Vec<String>)>, RepoError> {
    let mut out: HashMap<i64, (String, Vec<String>)> = HashMap::new();
    for r in ident::Entity::find()
        .filter(ident::Column::PatientId.is_in(ids.to_vec()))
        .order_by_asc(ident::Column::Id)
        .all(db)
        .await?
    {
        let e = out.entry(r.patient_id).or_default();
        if r.kind == "primary" {
            e.0 = r.identifier;
        } else {
            e.1.push(r.identifier);
        }
    }
    Ok(out)
}

/// Every identifier of a record (current and aliases): the Patient IDs its studies carry.
pub async fn all_identifiers(db: &impl ConnectionTrait, id: i64) -> Result<Vec<String>, RepoError> {
    let (mrn, mut aliases) = identifiers(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    aliases.insert(0, mrn);
    aliases.retain(|a| !a.is_empty());
    Ok(aliases)
}

fn view(m: rec::Model, ids: (String, Vec<String>)) -> PatientView {
    let name = PersonName {
        family: m.family_name,
        given: m.given_name,
        middle: m.middle_name,
    };
    PatientView {
        id: m.id,
        clinic: ClinicId(m.clinic_id),
        mrn: ids.0,
        aliases: ids.1,
        name,
        birth_date: CivilDate::parse(FieldName::BirthDate, &m.birth_date).ok(),
        sex: Sex::parse(&m.sex).unwrap_or_default(),
        language: Language::from_code(&m.language).unwrap_or_default(),
        contact: Contact {
            phone: Phone::parse(&m.phone).ok(),
            email: Email::parse(&m.email).ok(),
            address: m.address,
        },
        ramq: Ramq::parse(&m.ramq)
            .map(|r| r.grouped())
            .unwrap_or_default(),
        confirmed_warnings: serde_json::from_str::<Vec<RamqWarning>>(&m.confirmed_warnings)
            .unwrap_or_default(),
        merged_into: m.merged_into,
        updated_at: m.updated_at,
    }
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<rec::Model>,
) -> Result<Vec<PatientView>, RepoError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut idents = identifiers(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let i = idents.remove(&r.id).unwrap_or_default();
            view(r, i)
        })
        .collect())
}

/// One record, if its clinic is in scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<PatientView, RepoError> {
    let row = rec::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if !scope.allows(ClinicId(row.clinic_id)) {
        return Err(RepoError::NotFound);
    }
    Ok(views(db, vec![row]).await?.remove(0))
}

/// Several records by id, in scope (for lists that show patients).
pub async fn get_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, PatientView>, RepoError> {
    let rows = rec::Entity::find()
        .filter(rec::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(views(db, rows)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect())
}

/// `%word%` for LIKE on a folded key, with `%`, `_` and `\` escaped.
pub(crate) fn like_folded(word: &str) -> LikeExpr {
    let mut out = String::from("%");
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    LikeExpr::new(out).escape('\\')
}

/// One page of the records in scope matching the text (every word, accents ignored).
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &PatientQuery,
) -> Result<Page<PatientView>, RepoError> {
    let mut c = Condition::all();
    if let Some(ids) = scope.clinic_ids() {
        c = c.add(rec::Column::ClinicId.is_in(ids));
    }
    if let Some(clinic) = q.clinic {
        c = c.add(rec::Column::ClinicId.eq(clinic));
    }
    if !q.include_merged {
        c = c.add(rec::Column::MergedInto.is_null());
    }
    let folded = domain::registry::text::fold(&q.text);
    for word in folded.split(' ').filter(|w| !w.is_empty()) {
        let ramq_word: String = word.chars().filter(|c| !c.is_whitespace()).collect();
        c = c.add(Expr::col(rec::Column::SearchKey).like(like_folded(&ramq_word)));
    }
    let pages = rec::Entity::find()
        .filter(c)
        .order_by_asc(rec::Column::FamilyName)
        .order_by_asc(rec::Column::GivenName)
        .order_by_asc(rec::Column::Id)
        .paginate(db, PAGE_SIZE);
    let total = pages.num_items().await?;
    let rows = views(db, pages.fetch_page(q.page).await?).await?;
    Ok(Page {
        rows,
        total,
        page: q.page,
        page_size: PAGE_SIZE,
    })
}

/// Updates a record. A new record number becomes current; the previous one stays as an alias,
/// so the studies that carry it stay linked.
pub async fn update(db: &impl ConnectionTrait, id: i64, v: &ValidPatient) -> Result<(), RepoError> {
    let row = rec::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if row.merged_into.is_some() {
        return Err(RepoError::Invalid(
            "a merged record is kept as it was".into(),
        ));
    }
    let current = all_identifiers(db, id).await?;
    let mrn: &Mrn = &v.mrn;
    if current.first().map(String::as_str) != Some(mrn.as_str()) {
        match find_id(db, v.clinic, mrn.as_str()).await? {
            Some(other) if other != id => return Err(taken()),
            Some(_) => {
                // One of its own aliases becomes current again.
                ident::Entity::update_many()
                    .col_expr(ident::Column::Kind, Expr::value("alias"))
                    .filter(ident::Column::PatientId.eq(id))
                    .exec(db)
                    .await?;
                ident::Entity::update_many()
                    .col_expr(ident::Column::Kind, Expr::value("primary"))
                    .filter(ident::Column::PatientId.eq(id))
                    .filter(ident::Column::Identifier.eq(mrn.as_str()))
                    .exec(db)
                    .await?;
            }
            None => {
                ident::Entity::update_many()
                    .col_expr(ident::Column::Kind, Expr::value("alias"))
                    .filter(ident::Column::PatientId.eq(id))
                    .exec(db)
                    .await?;
                add_identifier(db, row.clinic_id, mrn.as_str(), id, "primary").await?;
            }
        }
    }
    let mut am: rec::ActiveModel = row.into();
    fill(&mut am, v, now());
    am.update(db).await?;
    Ok(())
}

/// What a merge moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Merged {
    pub identifiers: u64,
    pub orders: u64,
}

/// Merges record `from` into `into` (same clinic): its identifiers become aliases of `into`,
/// its orders are re-pointed, and it is marked merged (kept, read-only). Nothing is deleted.
pub async fn merge(db: &impl ConnectionTrait, into: i64, from: i64) -> Result<Merged, RepoError> {
    let a = rec::Entity::find_by_id(into)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let b = rec::Entity::find_by_id(from)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if a.id == b.id
        || a.clinic_id != b.clinic_id
        || a.merged_into.is_some()
        || b.merged_into.is_some()
    {
        return Err(RepoError::Field(FieldError::new(
            FieldName::Patient,
            Problem::Conflict {
                why: "only two different current records of one clinic can be merged".into(),
            },
        )));
    }
    let identifiers = ident::Entity::update_many()
        .col_expr(ident::Column::PatientId, Expr::value(into))
        .col_expr(ident::Column::Kind, Expr::value("alias"))
        .filter(ident::Column::PatientId.eq(from))
        .exec(db)
        .await?
        .rows_affected;
    let orders = order::Entity::update_many()
        .col_expr(order::Column::PatientId, Expr::value(into))
        .filter(order::Column::PatientId.eq(from))
        .exec(db)
        .await?
        .rows_affected;
    rec::Entity::update_many()
        .col_expr(rec::Column::MergedInto, Expr::value(into))
        .col_expr(rec::Column::UpdatedAt, Expr::value(now()))
        .filter(rec::Column::Id.eq(from))
        .exec(db)
        .await?;
    Ok(Merged {
        identifiers,
        orders,
    })
}

/// Adds `identifier` as an alias of a record (reconciling a study whose Patient ID is another
/// spelling of this patient's number).
pub async fn add_alias(
    db: &impl ConnectionTrait,
    id: i64,
    identifier: &Mrn,
) -> Result<(), RepoError> {
    let row = rec::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    add_identifier(db, row.clinic_id, identifier.as_str(), id, "alias").await
}
