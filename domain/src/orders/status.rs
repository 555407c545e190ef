//! The order lifecycle: which status changes are allowed, whoever asks (staff, HL7 ORC-1 /
//! ORC-5, images arriving, later MPPS and the reading workflow).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an order (one requested procedure) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Ordered and scheduled; on the modality worklist.
    Scheduled,
    /// The exam has started (images arrived, or the modality said so).
    InProgress,
    /// The exam is done; waiting to be read.
    Completed,
    /// A final report was signed.
    Reported,
    /// Called off before it started.
    Cancelled,
    /// Stopped after it started.
    Discontinued,
}

/// A status change the lifecycle refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from} to {to}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Scheduled,
        OrderStatus::InProgress,
        OrderStatus::Completed,
        OrderStatus::Reported,
        OrderStatus::Cancelled,
        OrderStatus::Discontinued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Scheduled => "scheduled",
            OrderStatus::InProgress => "in_progress",
            OrderStatus::Completed => "completed",
            OrderStatus::Reported => "reported",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Discontinued => "discontinued",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// No further change is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Reported | OrderStatus::Cancelled | OrderStatus::Discontinued
        )
    }

    /// Whether the order may still be edited (procedure, time, station, priority…).
    pub fn editable(self) -> bool {
        matches!(self, OrderStatus::Scheduled | OrderStatus::InProgress)
    }

    /// The statuses reachable from this one in one step.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Scheduled => &[InProgress, Completed, Cancelled, Discontinued],
            InProgress => &[Completed, Discontinued],
            Completed => &[Reported],
            Reported | Cancelled | Discontinued => &[],
        }
    }

    /// `Ok(true)`: a change to make; `Ok(false)`: already there (a repeated message changes
    /// nothing); `Err`: not allowed.
    pub fn to(self, to: OrderStatus) -> Result<bool, TransitionError> {
        if self == to {
            return Ok(false);
        }
        if self.next().contains(&to) {
            Ok(true)
        } else {
            Err(TransitionError { from: self, to })
        }
    }

    /// HL7 ORC-5 order status (table 0038) → status: SC scheduled, IP in process, CM completed,
    /// CA cancelled, DC discontinued.
    pub fn from_hl7(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "SC" => Some(OrderStatus::Scheduled),
            "IP" => Some(OrderStatus::InProgress),
            "CM" => Some(OrderStatus::Completed),
            "CA" => Some(OrderStatus::Cancelled),
            "DC" => Some(OrderStatus::Discontinued),
            _ => None,
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn lifecycle() {
        assert_eq!(Scheduled.to(InProgress), Ok(true));
        assert_eq!(InProgress.to(InProgress), Ok(false), "repeat is a no-op");
        assert_eq!(InProgress.to(Completed), Ok(true));
        assert_eq!(Completed.to(Reported), Ok(true));
        assert!(
            InProgress.to(Cancelled).is_err(),
            "started: discontinue instead"
        );
        assert!(Reported.to(Scheduled).is_err());
        assert!(Cancelled.to(InProgress).is_err());
        assert!(Completed.to(Scheduled).is_err());
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            assert_eq!(s.is_final(), s.next().is_empty());
        }
    }

    #[test]
    fn hl7_order_status() {
        assert_eq!(OrderStatus::from_hl7("ip"), Some(InProgress));
        assert_eq!(OrderStatus::from_hl7("CM"), Some(Completed));
        assert_eq!(OrderStatus::from_hl7("HD"), None);
    }
}
