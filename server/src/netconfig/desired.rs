//! The desired state: a validated file, normalised into the database's own representation
//! (ids for clinics, column strings for enums) so the diff compares like with like.

use domain::PiaRecord;
use domain::routing::Rule;

/// A local AE title as it should be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AeSpec {
    pub ae_title: String,
    pub clinic_id: i64,
    pub enabled: bool,
    pub caller_policy: String,
    /// Backslash-separated, like the column.
    pub allowed_callers: String,
    pub port: Option<i32>,
}

/// A remote node as it should be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub ae_title: String,
    pub host: String,
    pub port: i32,
    pub tls: bool,
    pub role: String,
    pub jurisdiction: String,
    pub notes: String,
    /// Clinic ids, ascending, without duplicates.
    pub clinics: Vec<i64>,
}

/// A destination as it should be stored. `node` is the node's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestSpec {
    pub name: String,
    pub node: String,
    pub kind: String,
    pub stow_url: String,
    pub auth_kind: String,
    pub auth_user: String,
    /// The secret to store (resolved from the environment or the stored one).
    pub secret: String,
    pub enabled: bool,
    pub paused: bool,
    pub max_concurrency: i32,
    pub retry_base_seconds: i32,
    pub retry_max_seconds: i32,
    pub retry_max_attempts: i32,
    pub timeout_seconds: i32,
    /// `None` keeps the stored assessment (if any).
    pub pia: Option<PiaRecord>,
}

/// A rule in its list (`clinic_id: None` is the global list) at `position` (file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub clinic_id: Option<i64>,
    pub position: i32,
    pub rule: Rule,
}

impl RuleSpec {
    /// The natural key: list and trimmed name.
    pub fn key(&self) -> (Option<i64>, &str) {
        (self.clinic_id, self.rule.name.trim())
    }
}

/// The whole desired state, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desired {
    pub local_aes: Vec<AeSpec>,
    pub nodes: Vec<NodeSpec>,
    pub destinations: Vec<DestSpec>,
    pub rules: Vec<RuleSpec>,
    pub facilities: Vec<super::facilities::FacilitySpec>,
}
