//! The stored configuration the file covers, read in one go (inside the import's transaction),
//! with the look-ups export, validation, diff and apply share.

use super::NetConfigError;
use crate::db::entities::{clinic, local_ae, remote_node, remote_node_clinic};
use crate::db::routing_entities::{destination, forward_job, routing_rule};
use domain::routing::Rule;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// A stored rule and its decoded definition.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub model: routing_rule::Model,
    pub rule: Rule,
}

/// Every row the file describes, sorted by natural key (rules: by list, then position).
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub clinics: Vec<clinic::Model>,
    pub local_aes: Vec<local_ae::Model>,
    pub nodes: Vec<remote_node::Model>,
    /// Clinic ids of each node, ascending.
    pub node_clinics: HashMap<i64, Vec<i64>>,
    pub destinations: Vec<destination::Model>,
    pub rules: Vec<StoredRule>,
    /// Number of forward jobs per destination id.
    pub jobs: HashMap<i64, i64>,
    pub facilities: Vec<crate::db::registry_entities::hl7_facility::Model>,
}

impl Current {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, NetConfigError> {
        let clinics = clinic::Entity::find()
            .order_by_asc(clinic::Column::Code)
            .all(db)
            .await?;
        let local_aes = local_ae::Entity::find()
            .order_by_asc(local_ae::Column::AeTitle)
            .all(db)
            .await?;
        let nodes = remote_node::Entity::find()
            .order_by_asc(remote_node::Column::Name)
            .order_by_asc(remote_node::Column::Id)
            .all(db)
            .await?;
        let destinations = destination::Entity::find()
            .order_by_asc(destination::Column::Name)
            .all(db)
            .await?;
        let mut current = Self {
            clinics,
            local_aes,
            nodes,
            destinations,
            node_clinics: load_node_clinics(db).await?,
            jobs: load_job_counts(db).await?,
            rules: Vec::new(),
            facilities: super::facilities::load(db).await?,
        };
        current.rules = current.load_rules(db).await?;
        Ok(current)
    }

    /// Rules, global list first, then by clinic code; each list in evaluation order.
    async fn load_rules(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Vec<StoredRule>, NetConfigError> {
        let mut rules = Vec::new();
        for model in routing_rule::Entity::find().all(db).await? {
            let rule: Rule = serde_json::from_str(&model.definition).map_err(|e| {
                NetConfigError::Stored(format!("rule {} ({:?}): {e}", model.id, model.name))
            })?;
            rules.push(StoredRule { model, rule });
        }
        rules.sort_by(|a, b| {
            let list = |r: &StoredRule| r.model.clinic_id.map(|c| self.clinic_code(c));
            list(a)
                .cmp(&list(b))
                .then(a.model.position.cmp(&b.model.position))
                .then(a.model.id.cmp(&b.model.id))
        });
        Ok(rules)
    }

    /// The code of clinic `id` (empty if unknown, which foreign keys prevent).
    pub fn clinic_code(&self, id: i64) -> &str {
        self.clinics
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.code.as_str())
    }

    /// The id of the clinic with `code` (exact, already upper-cased).
    pub fn clinic_id(&self, code: &str) -> Option<i64> {
        self.clinics.iter().find(|c| c.code == code).map(|c| c.id)
    }

    /// The name of node `id` (empty if unknown, which foreign keys prevent).
    pub fn node_name(&self, id: i64) -> &str {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .map_or("", |n| n.name.as_str())
    }

    /// The stored destination named `name`.
    pub fn destination(&self, name: &str) -> Option<&destination::Model> {
        self.destinations.iter().find(|d| d.name == name)
    }

    /// Forward jobs that refer to destination `id`.
    pub fn job_count(&self, id: i64) -> i64 {
        self.jobs.get(&id).copied().unwrap_or(0)
    }

    /// How a rule list is named in messages: the clinic code, or `global`.
    pub fn list_label(&self, clinic: Option<i64>) -> String {
        clinic.map_or_else(|| "global".to_owned(), |c| self.clinic_code(c).to_owned())
    }
}

async fn load_node_clinics(
    db: &impl ConnectionTrait,
) -> Result<HashMap<i64, Vec<i64>>, NetConfigError> {
    let rows = remote_node_clinic::Entity::find()
        .order_by_asc(remote_node_clinic::Column::ClinicId)
        .all(db)
        .await?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in rows {
        map.entry(r.node_id).or_default().push(r.clinic_id);
    }
    Ok(map)
}

async fn load_job_counts(db: &impl ConnectionTrait) -> Result<HashMap<i64, i64>, NetConfigError> {
    let rows: Vec<(i64, i64)> = forward_job::Entity::find()
        .select_only()
        .column(forward_job::Column::DestinationId)
        .column_as(forward_job::Column::Id.count(), "jobs")
        .group_by(forward_job::Column::DestinationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
