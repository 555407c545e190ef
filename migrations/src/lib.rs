//! Passerelle's schema migrations (sea-orm-migration); every migration has a working `down`.

pub use sea_orm_migration::prelude::*;

mod build;
mod m20261128_000001_accounts;
mod m20261128_000002_network;
mod m20261128_000003_index;
mod m20261128_000004_ae_port;
mod m20261128_000005_routing;
mod m20261128_000006_query;
mod m20261128_000007_tokens;
mod m20261128_000008_study_order;
mod m20261128_000009_token_store;
mod m20261128_000010_instance_counters;
mod m20261207_000011_registry;
mod m20261207_000012_orders;
mod m20261207_000013_hl7;
mod m20261207_000014_lookup_indexes;
mod m20261207_000015_performed_steps;
mod m20261208_000016_study_completeness;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_accounts::Migration),
            Box::new(m20261128_000002_network::Migration),
            Box::new(m20261128_000003_index::Migration),
            Box::new(m20261128_000004_ae_port::Migration),
            Box::new(m20261128_000005_routing::Migration),
            Box::new(m20261128_000006_query::Migration),
            Box::new(m20261128_000007_tokens::Migration),
            Box::new(m20261128_000008_study_order::Migration),
            Box::new(m20261128_000009_token_store::Migration),
            Box::new(m20261128_000010_instance_counters::Migration),
            Box::new(m20261207_000011_registry::Migration),
            Box::new(m20261207_000012_orders::Migration),
            Box::new(m20261207_000013_hl7::Migration),
            Box::new(m20261207_000014_lookup_indexes::Migration),
            Box::new(m20261207_000015_performed_steps::Migration),
            Box::new(m20261208_000016_study_completeness::Migration),
        ]
    }
}
