//! Data residency guard: nothing leaves Quebec without a recorded privacy impact assessment
//! (Quebec's Law 25).

use crate::network::Jurisdiction;
use serde::{Deserialize, Serialize};

/// The privacy impact assessment recorded for a destination outside Quebec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiaRecord {
    /// The assessment's document reference.
    pub reference: String,
    /// Who recorded it (user name).
    pub recorded_by: String,
    /// When, in unix seconds.
    pub recorded_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResidencyError {
    #[error(
        "this destination keeps data {}: Quebec's Law 25 requires a privacy impact assessment \
         before personal information is communicated outside Quebec; record its reference first",
        where_phrase(*jurisdiction)
    )]
    PiaRequired { jurisdiction: Jurisdiction },
}

impl ResidencyError {
    /// Stable identifier (for translations).
    pub fn code(&self) -> &'static str {
        match self {
            ResidencyError::PiaRequired { .. } => "pia_required",
        }
    }
}

fn where_phrase(j: Jurisdiction) -> &'static str {
    match j {
        Jurisdiction::Quebec => "in Quebec",
        Jurisdiction::CanadaOutsideQuebec => "in Canada outside Quebec",
        Jurisdiction::OutsideCanada => "outside Canada",
    }
}

/// Whether data may be sent to a destination in `jurisdiction`: always in Quebec; elsewhere
/// only with a PIA record whose reference is not blank.
pub fn residency_check(
    jurisdiction: Jurisdiction,
    pia: Option<&PiaRecord>,
) -> Result<(), ResidencyError> {
    let recorded = pia.is_some_and(|p| !p.reference.trim().is_empty());
    if jurisdiction == Jurisdiction::Quebec || recorded {
        Ok(())
    } else {
        Err(ResidencyError::PiaRequired { jurisdiction })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_quebec_needs_a_pia() {
        let pia = PiaRecord {
            reference: "EFVP-2026-014".into(),
            recorded_by: "admin".into(),
            recorded_at: 1_780_000_000,
        };
        let blank = PiaRecord {
            reference: "  ".into(),
            ..pia.clone()
        };
        use Jurisdiction::*;
        for (j, record, ok) in [
            (Quebec, None, true),
            (Quebec, Some(&blank), true),
            (CanadaOutsideQuebec, None, false),
            (CanadaOutsideQuebec, Some(&blank), false),
            (CanadaOutsideQuebec, Some(&pia), true),
            (OutsideCanada, None, false),
            (OutsideCanada, Some(&pia), true),
        ] {
            assert_eq!(residency_check(j, record).is_ok(), ok, "{j:?} {record:?}");
        }
        let err = residency_check(OutsideCanada, None).expect_err("needs a PIA");
        assert_eq!(err.code(), "pia_required");
        let message = err.to_string();
        assert!(
            message.contains("outside Canada") && message.contains("Law 25"),
            "{message}"
        );
        assert!(message.contains("privacy impact assessment"), "{message}");
    }
}
