//! Store-and-forward policy: forward job states, how a remote answer is classified (success,
//! worth retrying, or not), and the retry schedule. Pure: the caller supplies time and jitter.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    #[error("unknown job state {0:?}")]
    UnknownState(String),
    #[error("the base retry delay must be at least 1 second")]
    BaseTooSmall,
    #[error("the maximum retry delay ({max} s) must be at least the base delay ({base} s)")]
    MaxBelowBase { base: u32, max: u32 },
    #[error("at least one attempt is needed")]
    NoAttempts,
}

impl ForwardError {
    /// Stable identifier (for translations).
    pub fn code(&self) -> &'static str {
        match self {
            ForwardError::UnknownState(_) => "unknown_state",
            ForwardError::BaseTooSmall => "base_too_small",
            ForwardError::MaxBelowBase { .. } => "max_below_base",
            ForwardError::NoAttempts => "no_attempts",
        }
    }
}

/// State of one forward job (one instance to one destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its due time.
    Queued,
    /// Leased by a worker.
    InFlight,
    /// Delivered.
    Done,
    /// Failed permanently, or out of attempts.
    Dead,
    /// Kept back (destination paused, residency not cleared) until released.
    Held,
    /// Cancelled by a user.
    Cancelled,
}

impl JobState {
    pub const ALL: &'static [JobState] = &[
        JobState::Queued,
        JobState::InFlight,
        JobState::Done,
        JobState::Dead,
        JobState::Held,
        JobState::Cancelled,
    ];

    /// The database spelling (`"in_flight"`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::InFlight => "in_flight",
            JobState::Done => "done",
            JobState::Dead => "dead",
            JobState::Held => "held",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Result<JobState, ForwardError> {
        JobState::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| ForwardError::UnknownState(raw.to_owned()))
    }

    /// Whether the job will not run again by itself (done, dead or cancelled).
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Done | JobState::Dead | JobState::Cancelled)
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobState {
    type Err = ForwardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::parse(s)
    }
}

/// What an answer from a destination means for the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Stored (possibly with a warning).
    Success,
    /// Try again later.
    Transient,
    /// Retrying will not help.
    Permanent,
}

impl Verdict {
    /// The failure this verdict describes, with `message`; `None` on success.
    pub fn failure(self, message: impl Into<String>) -> Option<Failure> {
        match self {
            Verdict::Success => None,
            Verdict::Transient => Some(Failure::Transient(message.into())),
            Verdict::Permanent => Some(Failure::Permanent(message.into())),
        }
    }
}

/// A failed attempt, with what to record in the job's last error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum Failure {
    Transient(String),
    Permanent(String),
}

impl Failure {
    pub fn is_transient(&self) -> bool {
        matches!(self, Failure::Transient(_))
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(m) | Failure::Permanent(m) => m,
        }
    }
}

/// Classifies the Status (0000,0900) of a C-STORE response.
///
/// PS3.7 Annex C gives the status classes (0000 success; 0001, 0107, 0116 and Bxxx warning;
/// Axxx, Cxxx and the 01xx / 02xx general codes failure; FE00 cancel) and PS3.4 Annex B.2.3
/// the Storage Service codes. Warnings mean the instance was stored: B000 coercion of data
/// elements, B007 data set does not match SOP class, B006 elements discarded. Transient:
/// A7xx refused, out of resources; 0110 processing failure; 0213 resource limitation;
/// FE00 cancel. Permanent: A9xx data set does not match SOP class, Cxxx cannot understand,
/// 0122 SOP class not supported, 0117 invalid object instance, 0124 not authorized, 0211
/// unrecognized operation, and any other status (including 0111 duplicate SOP instance and the
/// pending codes, which are not valid final C-STORE statuses).
pub fn classify_dimse(status: u16) -> Verdict {
    match status {
        0x0000 | 0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => Verdict::Success,
        0xA700..=0xA7FF | 0x0110 | 0x0213 | 0xFE00 => Verdict::Transient,
        _ => Verdict::Permanent,
    }
}

/// A short English name of a C-STORE status (PS3.4 Annex B.2.3, PS3.7 Annex C), for logs.
pub fn describe_dimse(status: u16) -> &'static str {
    match status {
        0x0000 => "success",
        0xB000 => "warning: coercion of data elements",
        0xB006 => "warning: elements discarded",
        0xB007 => "warning: data set does not match SOP class",
        0x0001 | 0x0107 | 0x0116 | 0xB001..=0xBFFF => "warning",
        0xA700..=0xA7FF => "refused: out of resources",
        0xA900..=0xA9FF => "error: data set does not match SOP class",
        0xC000..=0xCFFF => "error: cannot understand",
        0x0110 => "processing failure",
        0x0111 => "duplicate SOP instance",
        0x0117 => "invalid object instance",
        0x0122 => "refused: SOP class not supported",
        0x0124 => "refused: not authorized",
        0x0211 => "unrecognized operation",
        0x0213 => "resource limitation",
        0xFE00 => "cancelled",
        _ => "failure",
    }
}

/// Classifies the HTTP status of a STOW-RS (PS3.18 §10.5) response: 2xx success; 408, 429 and
/// 5xx transient; anything else (other 4xx, 3xx, 1xx) permanent. Note that 202 Accepted means
/// some instances of the request failed: inspect the response's Failed SOP Sequence when a
/// request carries several instances.
pub fn classify_http(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Success,
        408 | 429 | 500..=599 => Verdict::Transient,
        _ => Verdict::Permanent,
    }
}

/// When to retry a transient failure: exponential backoff from `base_seconds`, capped at
/// `max_seconds`, at most `max_attempts` attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    pub base_seconds: u32,
    pub max_seconds: u32,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_seconds: 5,
            max_seconds: 600,
            max_attempts: 20,
        }
    }
}

impl RetryPolicy {
    /// The first problem, in this order: base ≥ 1 s, max ≥ base, attempts ≥ 1.
    pub fn validate(&self) -> Result<(), ForwardError> {
        if self.base_seconds < 1 {
            Err(ForwardError::BaseTooSmall)
        } else if self.max_seconds < self.base_seconds {
            Err(ForwardError::MaxBelowBase {
                base: self.base_seconds,
                max: self.max_seconds,
            })
        } else if self.max_attempts < 1 {
            Err(ForwardError::NoAttempts)
        } else {
            Ok(())
        }
    }

    /// Delay in milliseconds before the next try after failed attempt number `attempt`
    /// (1 = the first; 0 counts as 1): `base · 2^(attempt-1)` seconds, capped at `max_seconds`,
    /// then scaled by `0.5 + 0.5 · jitter` so the result lies between half and all of it.
    /// `jitter` is a random number in [0, 1) from the caller (clamped; NaN counts as 0).
    pub fn next_delay_ms(&self, attempt: u32, jitter: f64) -> u64 {
        let doublings = attempt.saturating_sub(1);
        let base = u64::from(self.base_seconds);
        let grown = if doublings >= 63 {
            if base == 0 { 0 } else { u64::MAX }
        } else {
            base.saturating_mul(1u64 << doublings)
        };
        let capped_ms = grown.min(u64::from(self.max_seconds)).saturating_mul(1000);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // capped_ms ≤ u32::MAX · 1000 < 2^53: exact as f64, and the product stays ≤ capped_ms.
        (capped_ms as f64 * (0.5 + 0.5 * jitter)) as u64
    }

    /// Whether a job that has made `attempts` attempts may not try again.
    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests;
