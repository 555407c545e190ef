//! The router: the rules and destinations in memory (compiled once per change), turning the
//! facts of a received instance into forward-job seeds, with the Quebec residency guard.

use crate::db::RepoError;
use crate::db::queue::JobSeed;
use crate::db::{clinics, routing as dests, rules};
use crate::ingest::parse::Attrs;
use domain::destination::DestinationView;
use domain::routing::{Compiled, Facts, Priority, RuleSet, age_years, department, residency_check};
use domain::{ClinicId, Scope};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// One compiled view of the routing configuration.
#[derive(Default)]
pub struct Table {
    per_clinic: HashMap<i64, Compiled>,
    global: Compiled,
    clinic_codes: HashMap<i64, String>,
    destinations: HashMap<String, DestinationView>,
}

/// Shared by every association; `reload` after each change of rules or destinations.
#[derive(Default)]
pub struct Router {
    table: RwLock<Arc<Table>>,
}

impl Router {
    /// Reads rules, destinations and clinic codes and swaps the compiled table in.
    pub async fn reload(&self, db: &DatabaseConnection) -> Result<(), RepoError> {
        let (by_clinic, global) = rules::load(db).await?;
        let destinations = dests::list(db)
            .await?
            .into_iter()
            .map(|d| (d.name.to_string(), d))
            .collect();
        let clinic_codes = clinics::list(db, &Scope::All)
            .await?
            .into_iter()
            .map(|c| (c.id.0, c.code.to_string()))
            .collect();
        let per_clinic = by_clinic
            .iter()
            .map(|(c, rs)| (*c, Compiled::from(&RuleSet::layered(rs, &global))))
            .collect();
        let table = Table {
            per_clinic,
            global: Compiled::new(&global),
            clinic_codes,
            destinations,
        };
        if let Ok(mut t) = self.table.write() {
            *t = Arc::new(table);
        }
        Ok(())
    }

    fn table(&self) -> Arc<Table> {
        self.table
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The routing facts of an instance received by `clinic`.
    pub fn facts(&self, clinic: ClinicId, a: &Attrs, calling: &str, called: &str) -> Facts {
        let table = self.table();
        Facts {
            modality: a.modality.clone(),
            sop_class_uid: a.sop_class_uid.clone(),
            body_part: a.body_part.clone(),
            study_description: a.study_description.clone(),
            institution: a.institution.clone(),
            department: department(&a.department, &a.patient_location),
            calling_ae: calling.trim().to_owned(),
            called_ae: called.trim().to_owned(),
            clinic: table
                .clinic_codes
                .get(&clinic.0)
                .cloned()
                .unwrap_or_default(),
            priority: Priority::parse(&a.priority),
            referring_physician: a.referring.clone(),
            patient_age_years: age_years(&a.patient_age, &a.birth_date, &a.study_date),
            minute_of_day: Some(crate::clock::local_minute_of_day()),
        }
    }

    /// The jobs to create for an instance with these facts. A destination outside Quebec
    /// without a privacy-impact assessment gets a held job with the reason (never sent).
    pub fn seeds(&self, clinic: ClinicId, facts: &Facts) -> Vec<JobSeed> {
        let table = self.table();
        let compiled = table.per_clinic.get(&clinic.0).unwrap_or(&table.global);
        let route = compiled.route(facts);
        route
            .pairs()
            .filter_map(|(name, rule)| {
                let Some(d) = table.destinations.get(name) else {
                    tracing::warn!(
                        destination = name,
                        rule,
                        "rule names an unknown destination"
                    );
                    return None;
                };
                let held_reason = residency_check(d.jurisdiction, d.pia.as_ref())
                    .err()
                    .map(|e| e.to_string());
                Some(JobSeed {
                    destination_id: d.id,
                    rule_name: rule.to_owned(),
                    held_reason,
                })
            })
            .collect()
    }
}
