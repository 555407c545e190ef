//! When a study is complete (issue "DICOM services", §5), pure: from what arrived, what the
//! modality reported by MPPS (PS3.4 Annex F) and what its procedure expects. A study is complete
//! when a COMPLETED performed step lists only instances that arrived; without such a step, when
//! nothing arrived for the stable time of its clinic and modality, and, if asked, once the
//! procedure's expected series count is reached. The answer says why, for the studies page.

use serde::{Deserialize, Serialize};

/// The stable time when a clinic sets none: two minutes without a new instance.
pub const DEFAULT_STABLE_SECONDS: u32 = 120;

/// A performed step reported for the study's order(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFacts {
    pub completed: bool,
    pub discontinued: bool,
    /// The SOP Instance UIDs its Performed Series Sequence lists.
    pub listed: Vec<String>,
}

/// What is known of a study at `now` (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyFacts {
    pub now_ms: i64,
    pub last_received_ms: i64,
    pub series_received: u32,
    /// The expected series count of the study's procedure, when the clinic requires it.
    pub expected_series: Option<u32>,
    pub stable_seconds: u32,
    pub steps: Vec<StepFacts>,
}

/// Why a study is complete, or what it waits for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Completeness {
    /// Every instance the completed step lists arrived.
    CompleteByStep { instances: u32 },
    /// Nothing arrived for the stable time (and the expected series, if required, are there).
    CompleteByQuiet { seconds: u32 },
    /// A completed step lists instances not yet received.
    WaitingForInstances { missing: u32 },
    /// A step is still in progress.
    WaitingForStep,
    /// Instances arrived less than the stable time ago.
    Receiving { quiet_in_seconds: u32 },
    /// Quiet, but fewer series than the procedure expects.
    WaitingForSeries { received: u32, expected: u32 },
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        matches!(
            self,
            Completeness::CompleteByStep { .. } | Completeness::CompleteByQuiet { .. }
        )
    }
}

/// Decides the study's state; `received(uid)` says whether an instance is in the index.
pub fn assess(f: &StudyFacts, received: impl Fn(&str) -> bool) -> Completeness {
    let completed: Vec<&StepFacts> = f.steps.iter().filter(|s| s.completed).collect();
    if !completed.is_empty() {
        let listed: Vec<&String> = completed.iter().flat_map(|s| s.listed.iter()).collect();
        let missing = listed.iter().filter(|u| !received(u)).count() as u32;
        if missing > 0 {
            return Completeness::WaitingForInstances { missing };
        }
        if !listed.is_empty() && !f.steps.iter().any(|s| !s.completed && !s.discontinued) {
            return Completeness::CompleteByStep {
                instances: listed.len() as u32,
            };
        }
    }
    if f.steps.iter().any(|s| !s.completed && !s.discontinued) {
        return Completeness::WaitingForStep;
    }
    let quiet_ms = f.now_ms.saturating_sub(f.last_received_ms).max(0);
    let stable_ms = i64::from(f.stable_seconds) * 1000;
    if quiet_ms < stable_ms {
        let left = (stable_ms - quiet_ms + 999) / 1000;
        return Completeness::Receiving {
            quiet_in_seconds: left as u32,
        };
    }
    match f.expected_series {
        Some(expected) if f.series_received < expected => Completeness::WaitingForSeries {
            received: f.series_received,
            expected,
        },
        _ => Completeness::CompleteByQuiet {
            seconds: f.stable_seconds,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(now_s: i64, last_s: i64) -> StudyFacts {
        StudyFacts {
            now_ms: now_s * 1000,
            last_received_ms: last_s * 1000,
            series_received: 2,
            expected_series: None,
            stable_seconds: DEFAULT_STABLE_SECONDS,
            steps: vec![],
        }
    }

    fn step(completed: bool, listed: &[&str]) -> StepFacts {
        StepFacts {
            completed,
            discontinued: false,
            listed: listed.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn without_a_step_a_quiet_study_is_complete() {
        assert_eq!(
            assess(&facts(1000, 950), |_| true),
            Completeness::Receiving {
                quiet_in_seconds: 70
            }
        );
        let done = assess(&facts(1000, 880), |_| true);
        assert_eq!(done, Completeness::CompleteByQuiet { seconds: 120 });
        assert!(done.is_complete());
        let mut f = facts(1000, 0);
        f.expected_series = Some(3);
        assert_eq!(
            assess(&f, |_| true),
            Completeness::WaitingForSeries {
                received: 2,
                expected: 3
            }
        );
    }

    #[test]
    fn a_completed_step_completes_the_study_once_its_instances_arrived() {
        let mut f = facts(1000, 999);
        f.steps = vec![step(true, &["1.1", "1.2"])];
        assert_eq!(
            assess(&f, |u| u == "1.1"),
            Completeness::WaitingForInstances { missing: 1 }
        );
        assert_eq!(
            assess(&f, |_| true),
            Completeness::CompleteByStep { instances: 2 },
            "no need to wait for the stable time"
        );
        f.steps.push(step(false, &[]));
        assert_eq!(assess(&f, |_| true), Completeness::WaitingForStep);
    }

    #[test]
    fn a_step_in_progress_holds_the_study_and_a_discontinued_one_does_not() {
        let mut f = facts(1000, 0);
        f.steps = vec![step(false, &["1.1"])];
        assert_eq!(assess(&f, |_| true), Completeness::WaitingForStep);
        f.steps[0].discontinued = true;
        assert_eq!(
            assess(&f, |_| true),
            Completeness::CompleteByQuiet { seconds: 120 }
        );
    }
}
