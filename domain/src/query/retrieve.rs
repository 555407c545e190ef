//! Retrieve jobs: how a study or some of its series are brought where they are needed
//! (C-MOVE to Passerelle, C-MOVE to another node, C-GET), the job's state, its progress from the
//! sub-operation counts (PS3.4 §C.4.2.1.5 / §C.4.3.1.4), and what a C-MOVE / C-GET status means.

use super::{InfoModel, QueryError, is_uid};
use crate::AeTitle;
use serde::{Deserialize, Serialize};

/// Where the images go and by which service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RetrieveMethod {
    /// C-MOVE with Passerelle's AE title of the clinic as Move Destination: the images arrive
    /// through the normal ingest, so routing rules apply.
    MoveHere,
    /// C-MOVE to another node known to the PACS (a VNA): the images do not pass through here.
    MoveTo { ae_title: AeTitle },
    /// C-GET: the images come back on the same association (PS3.4 §C.4.3), then ingest.
    Get,
}

impl RetrieveMethod {
    pub fn code(&self) -> &'static str {
        match self {
            RetrieveMethod::MoveHere => "move_here",
            RetrieveMethod::MoveTo { .. } => "move_to",
            RetrieveMethod::Get => "get",
        }
    }
}

/// A retrieve asked for by a user (UI, JSON API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveRequest {
    pub clinic: i64,
    pub node_id: i64,
    pub method: RetrieveMethod,
    #[serde(default)]
    pub model: InfoModel,
    /// Needed by the Patient Root model (unique key of the patient level).
    #[serde(default)]
    pub patient_id: String,
    pub study_uid: String,
    /// Empty: the whole study.
    #[serde(default)]
    pub series_uids: Vec<String>,
}

impl RetrieveRequest {
    pub fn validate(&self) -> Result<(), QueryError> {
        for uid in std::iter::once(&self.study_uid).chain(&self.series_uids) {
            if !is_uid(uid) {
                return Err(QueryError::Uid(uid.clone()));
            }
        }
        Ok(())
    }
}

/// The life of a retrieve job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrieveState {
    Queued,
    Running,
    /// Every sub-operation succeeded.
    Completed,
    /// Finished, some sub-operations failed or gave warnings (status B000).
    Partial,
    Failed,
    Cancelled,
}

impl RetrieveState {
    pub fn as_str(self) -> &'static str {
        match self {
            RetrieveState::Queued => "queued",
            RetrieveState::Running => "running",
            RetrieveState::Completed => "completed",
            RetrieveState::Partial => "partial",
            RetrieveState::Failed => "failed",
            RetrieveState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Completed,
            Self::Partial,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn is_final(self) -> bool {
        !matches!(self, RetrieveState::Queued | RetrieveState::Running)
    }
}

/// Sub-operation counts of the last C-MOVE-RSP / C-GET-RSP (PS3.7 §9.1.4.1.16–19).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubOps {
    pub remaining: Option<u32>,
    pub completed: u32,
    pub failed: u32,
    pub warning: u32,
}

impl SubOps {
    pub fn done(&self) -> u32 {
        self.completed + self.failed + self.warning
    }
    /// Progress 0–100, when the PACS told how many remain.
    pub fn percent(&self) -> Option<u8> {
        let total = self.done() + self.remaining?;
        if total == 0 {
            return Some(100);
        }
        Some(((u64::from(self.done()) * 100) / u64::from(total)) as u8)
    }
}

/// A retrieve job as the UI and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveView {
    pub id: i64,
    pub clinic: i64,
    pub node_id: i64,
    pub node_name: String,
    pub method: RetrieveMethod,
    pub study_uid: String,
    pub series_uids: Vec<String>,
    pub state: RetrieveState,
    pub subops: SubOps,
    pub error: Option<String>,
    pub cancel_requested: bool,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// What a C-MOVE / C-GET response status means (PS3.4 §C.4.2.1.5, §C.4.3.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveStatus {
    Pending,
    Success,
    /// B000: finished, one or more sub-operations failed.
    Warning,
    Cancelled,
    Failure(&'static str),
}

pub fn classify_move_status(status: u16) -> MoveStatus {
    match status {
        0xFF00 | 0xFF01 => MoveStatus::Pending,
        0x0000 => MoveStatus::Success,
        0xB000 => MoveStatus::Warning,
        0xFE00 => MoveStatus::Cancelled,
        0xA701 => MoveStatus::Failure("the PACS is out of resources (cannot count the matches)"),
        0xA702 => MoveStatus::Failure("the PACS is out of resources (cannot send the images)"),
        0xA801 => MoveStatus::Failure(
            "the PACS does not know the move destination: add this AE title to the PACS's list of nodes",
        ),
        0xA900 => MoveStatus::Failure("the PACS says the identifier does not match the model"),
        0xAA00 => MoveStatus::Failure("none of the requested frames were found"),
        0x0122 => MoveStatus::Failure("the PACS does not support this retrieve model"),
        s if s & 0xF000 == 0xC000 => {
            MoveStatus::Failure("the PACS was unable to process the request")
        }
        _ => MoveStatus::Failure("the PACS answered an unexpected status"),
    }
}
