//! Tenancy: identifiers and the `Scope` every repository query takes (which clinics a caller sees).

use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Database identifier of a clinic.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClinicId(pub i64);

/// Database identifier of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// The clinics a caller may see. Built once per request from the caller's role and memberships,
/// then passed to every repository call; there is no way to query without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every clinic (administrators, and internal system tasks).
    All,
    /// Only these clinics (may be empty: then nothing is visible).
    Clinics(BTreeSet<ClinicId>),
}

impl Scope {
    /// The scope of a user with this role and these clinic memberships.
    pub fn for_user(role: Role, clinics: impl IntoIterator<Item = ClinicId>) -> Self {
        if role.sees_all_clinics() {
            Scope::All
        } else {
            Scope::Clinics(clinics.into_iter().collect())
        }
    }

    pub fn allows(&self, clinic: ClinicId) -> bool {
        match self {
            Scope::All => true,
            Scope::Clinics(set) => set.contains(&clinic),
        }
    }

    /// Whether something shared by `clinics` is visible: always for `All`, else when at least
    /// one of them is in scope.
    pub fn sees_any(&self, clinics: &[ClinicId]) -> bool {
        matches!(self, Scope::All) || clinics.iter().any(|c| self.allows(*c))
    }

    /// `None` for all clinics, else the explicit list (for `WHERE clinic_id IN (…)`).
    pub fn clinic_ids(&self) -> Option<Vec<i64>> {
        match self {
            Scope::All => None,
            Scope::Clinics(set) => Some(set.iter().map(|c| c.0).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_scope_is_limited_to_memberships() {
        let s = Scope::for_user(Role::ClinicStaff, [ClinicId(1), ClinicId(3)]);
        assert!(s.allows(ClinicId(1)));
        assert!(!s.allows(ClinicId(2)));
        assert_eq!(s.clinic_ids(), Some(vec![1, 3]));
        assert!(s.sees_any(&[ClinicId(2), ClinicId(3)]));
        assert!(!s.sees_any(&[ClinicId(2)]));
        assert!(!s.sees_any(&[]));
        assert!(
            Scope::All.sees_any(&[]),
            "administrators see users without a clinic too"
        );
    }

    #[test]
    fn admin_scope_is_everything() {
        let s = Scope::for_user(Role::Administrator, []);
        assert!(s.allows(ClinicId(42)));
        assert_eq!(s.clinic_ids(), None);
    }

    #[test]
    fn no_membership_sees_nothing() {
        let s = Scope::for_user(Role::Radiologist, []);
        assert!(!s.allows(ClinicId(1)));
        assert_eq!(s.clinic_ids(), Some(vec![]));
    }
}
