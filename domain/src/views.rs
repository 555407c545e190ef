//! Serializable views exchanged between server, JSON API and browser (no secrets in them).

use crate::names::{ClinicCode, ClinicName, DisplayName, Username};
use crate::role::Role;
use crate::scope::{ClinicId, Scope, UserId};
use serde::{Deserialize, Serialize};

/// A clinic as shown to a user who may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicView {
    pub id: ClinicId,
    pub code: ClinicCode,
    pub name: ClinicName,
    pub active: bool,
}

/// A user as shown to administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub active: bool,
    pub clinics: Vec<ClinicId>,
}

/// The signed-in user, as the UI and server functions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub clinics: Vec<ClinicId>,
}

impl SessionUser {
    /// The tenancy scope of this user.
    pub fn scope(&self) -> Scope {
        Scope::for_user(self.role, self.clinics.iter().copied())
    }
}

/// A local AE title as configured by administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAeView {
    pub id: i64,
    pub clinic: ClinicId,
    pub ae_title: crate::AeTitle,
    pub enabled: bool,
    pub caller_policy: crate::CallerPolicy,
    pub allowed_callers: Vec<crate::AeTitle>,
    /// Optional second port on which only this AE title is served.
    pub port: Option<crate::Port>,
}

/// A remote DICOM node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteNodeView {
    pub id: i64,
    pub name: String,
    pub ae_title: crate::AeTitle,
    pub host: crate::Host,
    pub port: crate::Port,
    pub tls: bool,
    pub role: crate::NodeRole,
    pub jurisdiction: crate::Jurisdiction,
    pub notes: String,
    pub clinics: Vec<ClinicId>,
}

/// The outcome of a C-ECHO from Passerelle to a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EchoOutcome {
    pub ok: bool,
    /// Round-trip time of the whole association (connect, negotiate, echo, release).
    pub millis: f64,
    pub message: String,
}

/// A row of the studies list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudySummary {
    pub id: i64,
    pub clinic: ClinicId,
    pub patient_name: String,
    pub patient_id: String,
    pub birth_date: String,
    pub study_date: String,
    pub modalities: String,
    pub description: String,
    pub accession: String,
    pub instance_count: i64,
    pub source_ae: String,
    pub received_at: i64,
    /// When the study became complete (seconds since the epoch).
    #[serde(default)]
    pub completed_at: Option<i64>,
    /// Its latest completeness verdict (none before the first assessment: still receiving).
    #[serde(default)]
    pub completion: Option<crate::completeness::Completeness>,
}

/// Filters of the studies list (all optional; text matches are case-insensitive "contains").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyQuery {
    pub clinic: Option<i64>,
    pub patient: String,
    /// YYYYMMDD, inclusive.
    pub date_from: String,
    pub date_to: String,
    pub modality: String,
    pub accession: String,
    pub page: u64,
}

/// One page of studies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyPage {
    pub rows: Vec<StudySummary>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// An instance as listed on the study page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRow {
    pub sop_instance_uid: String,
    pub number: String,
    pub sop_class_uid: String,
    pub transfer_syntax: String,
    pub size: i64,
    pub calling_ae: String,
    pub received_at: i64,
    /// The spool copy was released after every destination confirmed.
    #[serde(default)]
    pub released: bool,
    /// Where the instance was sent or is queued.
    #[serde(default)]
    pub forwards: Vec<crate::transfers::ForwardMark>,
}

/// A series with its instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesDetail {
    pub series_uid: String,
    pub number: String,
    pub modality: String,
    pub description: String,
    pub body_part: String,
    pub instances: Vec<InstanceRow>,
}

/// A study with its series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyDetail {
    pub summary: StudySummary,
    pub study_uid: String,
    pub referring_physician: String,
    pub series: Vec<SeriesDetail>,
}

/// The audit actions the audit page can filter on (`audit_events.action`).
pub const AUDIT_ACTIONS: [&str; 12] = [
    "query",
    "retrieve",
    "dimse_query",
    "dimse_retrieve",
    "dicomweb_query",
    "dicomweb_retrieve",
    "dicomweb_store",
    "patient_record",
    "patient_merge",
    "order_record",
    "study_reconcile",
    "hl7_reprocess",
];

/// One row of the audit trail as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// Milliseconds since the Unix epoch (UTC).
    pub at_ms: i64,
    /// `user:NAME`, `token:ID:NAME` or `cli:USER`.
    pub actor: String,
    pub clinic_id: Option<i64>,
    pub action: String,
    /// What it was about: the study, the request or the keys sent.
    pub subject: String,
    /// `ok`, `refused`, `failed`, `error`, …
    pub outcome: String,
    pub result_count: Option<i32>,
}

/// One page of a list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T> Page<T> {
    /// How many pages there are (at least one).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.page_size.max(1)).max(1)
    }
}
