//! Network and routing configuration as one TOML file: the file model, its error, and the
//! `export` / `import` entry points behind `passerelle config export | import`.
//!
//! The file is the desired state of local AE titles, remote nodes, destinations, routing
//! rules and the HL7 facilities mapped to clinics. Clinics are referenced by code, never created. Secrets are never written: a
//! destination with a stored secret names the environment variable (`secret_env`) that
//! supplies it on import; when that variable is unset the stored secret is kept.
//!
//! Import reads the stored state, validates the whole file against it (every problem, with
//! its location), computes the difference by natural key, and applies it in one database
//! transaction. Items absent from the file are removed, except that a destination that forward
//! jobs refer to cannot be removed (the import is refused; keep it with `enabled = false`). A
//! privacy-impact assessment (`pia`) absent from the file is kept: it is Law 25 evidence.

mod apply;
mod current;
mod desired;
mod diff;
mod diff_rules;
mod export;
mod facilities;
mod render;
mod validate;

pub use diff::{Change, ChangeKind, Plan, Section};
pub use export::secret_env_name;

use domain::routing::{Action, Condition, Rule};
use domain::{PiaRecord, RetryPolicy};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::{Deserialize, Serialize};

/// The version of the file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Who rule versions written by an import are attributed to.
pub const CHANGED_BY: &str = "config import";

/// Errors of export and import. [`NetConfigError::exit_code`] maps them to sysexits codes.
///
/// The causes are part of each message (not chained as `source`), so `{:#}` prints them once.
#[derive(Debug, thiserror::Error)]
pub enum NetConfigError {
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("the file is not a valid configuration file: {0}")]
    Syntax(toml::de::Error),
    #[error("{}", problems_text(.0))]
    Invalid(Vec<String>),
    #[error("cannot write the configuration as TOML: {0}")]
    Render(toml::ser::Error),
    #[error("the stored configuration is unreadable: {0}")]
    Stored(String),
    #[error("database error (nothing was changed): {0}")]
    Db(DbErr),
}

impl From<toml::de::Error> for NetConfigError {
    fn from(e: toml::de::Error) -> Self {
        Self::Syntax(e)
    }
}

impl From<toml::ser::Error> for NetConfigError {
    fn from(e: toml::ser::Error) -> Self {
        Self::Render(e)
    }
}

impl From<DbErr> for NetConfigError {
    fn from(e: DbErr) -> Self {
        Self::Db(e)
    }
}

fn problems_text(problems: &[String]) -> String {
    let mut text = format!(
        "the configuration file has {} problem{}; nothing was changed:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        text.push_str("\n  ");
        text.push_str(p);
    }
    text
}

impl NetConfigError {
    /// EX_DATAERR (65) for an invalid file, EX_NOINPUT (66) for an unreadable one, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Syntax(_) | Self::Invalid(_) => 65,
            Self::Read { .. } => 66,
            _ => 1,
        }
    }
}

fn yes() -> bool {
    true
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub version: u32,
    #[serde(default)]
    pub local_aes: Vec<LocalAeEntry>,
    #[serde(default)]
    pub nodes: Vec<NodeEntry>,
    #[serde(default)]
    pub destinations: Vec<DestinationEntry>,
    #[serde(default)]
    pub rules: Vec<RuleEntry>,
    #[serde(default)]
    pub hl7_facilities: Vec<FacilityEntry>,
}

/// An HL7 facility mapped to a clinic (key: `side` and `facility`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityEntry {
    /// `sending` (MSH-4) or `receiving` (MSH-6).
    pub side: String,
    pub facility: String,
    /// Clinic code.
    pub clinic: String,
}

/// A local AE title (key: `ae_title`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalAeEntry {
    pub ae_title: String,
    /// Clinic code.
    pub clinic: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `any`, `known_nodes` or `listed`.
    pub caller_policy: String,
    #[serde(default)]
    pub allowed_callers: Vec<String>,
    /// Optional dedicated port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

/// A remote node (key: `name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    pub name: String,
    pub ae_title: String,
    pub host: String,
    pub port: i64,
    #[serde(default)]
    pub tls: bool,
    /// `pacs`, `vna`, `modality` or `viewer`.
    pub role: String,
    /// `quebec`, `canada_outside_quebec` or `outside_canada`.
    pub jurisdiction: String,
    /// Codes of the clinics the node serves.
    pub clinics: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

/// A destination (key: `name`); `node` is a node name of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationEntry {
    pub name: String,
    pub node: String,
    /// `dimse` or `stow`.
    pub transport: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stow_url: String,
    /// `none`, `basic` or `bearer`.
    #[serde(default = "auth_none")]
    pub auth: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub auth_user: String,
    /// The environment variable holding the secret (never the secret itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub paused: bool,
    pub max_concurrency: u32,
    pub timeout_seconds: u32,
    #[serde(default)]
    pub retry: RetryEntry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pia: Option<PiaEntry>,
}

fn auth_none() -> String {
    "none".into()
}

/// Retry policy of a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryEntry {
    pub base_seconds: u32,
    pub max_seconds: u32,
    pub max_attempts: u32,
}

impl Default for RetryEntry {
    fn default() -> Self {
        RetryPolicy::default().into()
    }
}

impl From<RetryPolicy> for RetryEntry {
    fn from(r: RetryPolicy) -> Self {
        Self {
            base_seconds: r.base_seconds,
            max_seconds: r.max_seconds,
            max_attempts: r.max_attempts,
        }
    }
}

impl From<RetryEntry> for RetryPolicy {
    fn from(r: RetryEntry) -> Self {
        Self {
            base_seconds: r.base_seconds,
            max_seconds: r.max_seconds,
            max_attempts: r.max_attempts,
        }
    }
}

/// The privacy-impact assessment recorded for a destination (`recorded_at`: Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiaEntry {
    pub reference: String,
    pub recorded_by: String,
    pub recorded_at: i64,
}

impl From<PiaEntry> for PiaRecord {
    fn from(p: PiaEntry) -> Self {
        Self {
            reference: p.reference.trim().to_owned(),
            recorded_by: p.recorded_by,
            recorded_at: p.recorded_at,
        }
    }
}

/// A routing rule: of clinic `clinic` (a code), or global when `clinic` is absent. Rules of one
/// list are evaluated in file order; the key is (clinic, name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinic: Option<String>,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub action: Action,
    #[serde(default)]
    pub fallback: bool,
    pub destinations: Vec<String>,
    pub when: Condition,
}

impl RuleEntry {
    /// The domain rule (everything but the clinic).
    pub fn rule(&self) -> Rule {
        Rule {
            name: self.name.clone(),
            enabled: self.enabled,
            action: self.action,
            fallback: self.fallback,
            destinations: self.destinations.clone(),
            when: self.when.clone(),
        }
    }
}

/// What an import needs besides the file.
pub struct ImportOptions<'a> {
    /// Only compute and return the difference.
    pub dry_run: bool,
    /// Ports a local AE title may not take (Passerelle's own DICOM and web ports).
    pub reserved_ports: Vec<u16>,
    /// Reads an environment variable (secrets named by `secret_env`).
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// The stored configuration, as the text of a file.
pub async fn export(db: &DatabaseConnection) -> Result<String, NetConfigError> {
    let current = current::Current::load(db).await?;
    render::render(&export::to_file(&current)?)
}

/// A file model as TOML text, as `export` writes it.
pub fn to_toml(file: &ConfigFile) -> Result<String, NetConfigError> {
    render::render(file)
}

/// Parses `text` (no database access).
pub fn parse(text: &str) -> Result<ConfigFile, NetConfigError> {
    Ok(toml::from_str(text)?)
}

/// Validates the file against the stored state and returns the difference; unless
/// `dry_run`, applies it, all in one transaction. An invalid file changes nothing and
/// returns [`NetConfigError::Invalid`] with every problem.
pub async fn import(
    db: &DatabaseConnection,
    text: &str,
    opts: &ImportOptions<'_>,
) -> Result<Plan, NetConfigError> {
    let file = parse(text)?;
    let txn = db.begin().await?;
    let current = current::Current::load(&txn).await?;
    let ctx = validate::Context {
        current: &current,
        env: opts.env,
        reserved_ports: &opts.reserved_ports,
    };
    let desired = validate::check(&file, &ctx)?;
    let plan = diff::plan(&desired, &current);
    if opts.dry_run || plan.ops.is_empty() {
        txn.rollback().await?;
    } else {
        apply::run(&txn, &plan.ops, &desired, &current).await?;
        txn.commit().await?;
    }
    Ok(plan)
}
