//! What the transfers page and API show: per-destination queue state, throughput over the last
//! hour, studies being forwarded, and dead letters.

use crate::ClinicId;
use crate::routing::Rule;
use serde::{Deserialize, Serialize};

/// A stored routing rule with where it applies and its place in the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: i64,
    /// `None`: a global rule (evaluated after every clinic's own rules).
    pub clinic: Option<ClinicId>,
    pub position: i32,
    pub rule: Rule,
    pub updated_at: i64,
}

impl RuleView {
    /// The rule as the draft layering needs it.
    pub fn placed(&self) -> crate::routing::Placed<'_> {
        crate::routing::Placed {
            id: self.id,
            clinic: self.clinic.map(|c| c.0),
            rule: &self.rule,
        }
    }
}

/// One recorded change of a rule: who, when, and the definition before and after (JSON;
/// `None` before a creation or after a deletion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChange {
    pub rule_id: i64,
    pub rule_name: String,
    pub changed_by: String,
    /// Unix seconds.
    pub changed_at: i64,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An operator's action on the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "id")]
pub enum QueueAction {
    /// Retry one dead letter (job id).
    Retry(i64),
    /// Cancel one job that is not done (job id).
    Cancel(i64),
    /// Retry every dead letter of a destination.
    RetryDead(i64),
    /// Pause a destination (its queue keeps filling).
    Pause(i64),
    /// Resume a destination.
    Resume(i64),
}

/// An administrator's action on a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Delete,
    Up,
    Down,
}

/// Where one instance was sent (or is queued), for the study page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardMark {
    pub destination: String,
    /// A `JobState` string.
    pub state: String,
    /// Unix milliseconds of confirmation, when done.
    pub done_at: Option<i64>,
}

/// The queue of one destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationQueue {
    pub destination_id: i64,
    pub name: String,
    pub enabled: bool,
    pub paused: bool,
    pub queued: u64,
    pub in_flight: u64,
    pub done: u64,
    pub dead: u64,
    pub held: u64,
    pub cancelled: u64,
    /// Instances confirmed in each of the last 60 minutes, oldest first.
    pub per_minute: Vec<u32>,
    pub last_error: Option<String>,
}

impl DestinationQueue {
    /// Instances per second over the last minute.
    pub fn throughput(&self) -> f64 {
        f64::from(self.per_minute.last().copied().unwrap_or(0)) / 60.0
    }
}

/// A study being forwarded to one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyProgress {
    pub destination_id: i64,
    pub study_uid: String,
    pub total: u64,
    pub done: u64,
    pub failed: u64,
}

impl StudyProgress {
    /// Completion in percent (0–100).
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        ((self.done * 100) / self.total).min(100) as u8
    }
}

/// A job that will not be retried by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub job_id: i64,
    pub destination_id: i64,
    pub study_uid: String,
    pub sop_instance_uid: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub reason: String,
    /// Unix milliseconds of the last attempt.
    pub at: i64,
}

/// The whole transfers overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfers {
    pub destinations: Vec<DestinationQueue>,
    pub studies: Vec<StudyProgress>,
    pub dead_letters: Vec<DeadLetter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_throughput() {
        let p = StudyProgress {
            destination_id: 1,
            study_uid: "1.2".into(),
            total: 3,
            done: 2,
            failed: 0,
        };
        assert_eq!(p.percent(), 66);
        let q = DestinationQueue {
            per_minute: vec![0, 120],
            ..Default::default()
        };
        assert!((q.throughput() - 2.0).abs() < f64::EPSILON);
    }
}
