//! The `[[hl7_facilities]]` section: which HL7 sending (MSH-4) or receiving (MSH-6) facility
//! belongs to which clinic. Key: side and facility name (upper-cased, as stored).

use super::current::Current;
use super::diff::{Details, Plan, Section, SectionOps};
use super::{FacilityEntry, NetConfigError};
use crate::db::now;
use crate::db::registry_entities::hl7_facility;
use domain::hl7::views::FacilitySide;
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// A facility mapping as it should be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilitySpec {
    pub side: String,
    pub facility: String,
    pub clinic_id: i64,
}

fn key(side: &str, facility: &str) -> String {
    format!("{side} {facility:?}")
}

/// Checks the entries; problems as `hl7_facilities[i].field: message`.
pub fn check(
    entries: &[FacilityEntry],
    cur: &Current,
    problems: &mut Vec<String>,
) -> Vec<FacilitySpec> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = |f: &str| format!("hl7_facilities[{i}].{f}");
        let side = FacilitySide::parse(e.side.trim());
        if side.is_none() {
            problems.push(format!("{}: `sending` or `receiving`", at("side")));
        }
        let facility = e.facility.trim().to_uppercase();
        if facility.is_empty()
            || facility.chars().count() > 64
            || facility.chars().any(char::is_control)
        {
            problems.push(format!("{}: 1 to 64 printable characters", at("facility")));
        }
        let clinic = cur.clinic_id(e.clinic.trim());
        if clinic.is_none() {
            problems.push(format!(
                "{}: no clinic has the code {:?}",
                at("clinic"),
                e.clinic
            ));
        }
        if let (Some(side), Some(clinic_id)) = (side, clinic) {
            let k = key(side.as_str(), &facility);
            if let Some(first) = seen.get(&k) {
                problems.push(format!(
                    "{}: duplicate {k} (already hl7_facilities[{first}])",
                    at("facility")
                ));
                continue;
            }
            seen.insert(k, i);
            out.push(FacilitySpec {
                side: side.as_str().to_owned(),
                facility,
                clinic_id,
            });
        }
    }
    out
}

/// The facility section of the plan.
pub fn plan(p: &mut Plan, desired: &[FacilitySpec], cur: &Current) -> SectionOps {
    p.sync(
        Section::Hl7Facilities,
        (desired, |s: &FacilitySpec| key(&s.side, &s.facility)),
        (
            &cur.facilities,
            |m: &hl7_facility::Model| key(&m.side, &m.facility),
            |m| m.id,
        ),
        |s, m| {
            let mut d = Details::default();
            d.value(
                "clinic",
                cur.clinic_code(m.clinic_id),
                cur.clinic_code(s.clinic_id),
            );
            d.0
        },
    )
}

/// Writes the section's changes.
pub async fn apply(
    db: &impl ConnectionTrait,
    ops: &SectionOps,
    desired: &[FacilitySpec],
) -> Result<(), NetConfigError> {
    if !ops.deletes.is_empty() {
        hl7_facility::Entity::delete_many()
            .filter(hl7_facility::Column::Id.is_in(ops.deletes.clone()))
            .exec(db)
            .await?;
    }
    for (id, i) in &ops.upserts {
        let s = &desired[*i];
        let mut am = hl7_facility::ActiveModel {
            side: Set(s.side.clone()),
            facility: Set(s.facility.clone()),
            clinic_id: Set(s.clinic_id),
            ..Default::default()
        };
        match id {
            Some(id) => {
                am.id = Unchanged(*id);
                am.update(db).await?;
            }
            None => {
                am.created_at = Set(now());
                am.insert(db).await?;
            }
        }
    }
    Ok(())
}

/// The stored mappings as file entries.
pub fn export(cur: &Current) -> Vec<FacilityEntry> {
    cur.facilities
        .iter()
        .map(|f| FacilityEntry {
            side: f.side.clone(),
            facility: f.facility.clone(),
            clinic: cur.clinic_code(f.clinic_id).to_owned(),
        })
        .collect()
}

/// Loads the stored mappings, sorted by key.
pub async fn load(db: &impl ConnectionTrait) -> Result<Vec<hl7_facility::Model>, NetConfigError> {
    let mut all = hl7_facility::Entity::find().all(db).await?;
    all.sort_by(|a, b| (&a.side, &a.facility).cmp(&(&b.side, &b.facility)));
    Ok(all)
}
