//! Roles and the permission model: what each role may do, in one table shared by UI and server.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The role of a user. A user has exactly one role and belongs to one or more clinics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    ClinicStaff,
    Radiologist,
    ReferringPhysician,
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create, edit and deactivate clinics.
    ManageClinics,
    /// Create, edit and deactivate users.
    ManageUsers,
    /// Configure local AE titles and remote DICOM nodes.
    ManageNetwork,
    /// See the clinics one belongs to (all clinics for administrators).
    ViewClinics,
    /// Search and retrieve studies of one's clinics.
    ViewStudies,
    /// Query the PACS of one's clinics and retrieve from them (C-FIND, C-MOVE, C-GET).
    QueryRetrieve,
    /// Send images into one's clinics through DICOMweb (STOW-RS).
    StoreStudies,
    /// Read and report studies.
    ReadStudies,
    /// Receive reports addressed to oneself.
    ReceiveReports,
    /// Read the patients, orders, physicians, radiologists and procedures of one's clinics.
    ViewRegistry,
    /// Create and change patients, orders, referring physicians and the procedure catalogue
    /// of one's clinics; reconcile studies; merge patients.
    ManageRegistry,
    /// Create and change radiologists' reading profiles (credentials, availability).
    ManageRadiologists,
    /// See the HL7 messages received for one's clinics.
    ViewMessages,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::ClinicStaff,
        Role::Radiologist,
        Role::ReferringPhysician,
    ];

    /// The stable identifier stored in the database and sent over the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::ClinicStaff => "clinic_staff",
            Role::Radiologist => "radiologist",
            Role::ReferringPhysician => "referring_physician",
        }
    }

    /// Whether this role grants the permission.
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => true,
            Role::ClinicStaff => matches!(
                p,
                ViewClinics
                    | ViewStudies
                    | QueryRetrieve
                    | StoreStudies
                    | ViewRegistry
                    | ManageRegistry
                    | ViewMessages
            ),
            Role::Radiologist => {
                matches!(p, ViewClinics | ViewStudies | ReadStudies | ViewRegistry)
            }
            Role::ReferringPhysician => matches!(p, ReceiveReports),
        }
    }

    /// Administrators see every clinic; everybody else only the clinics they belong to.
    pub fn sees_all_clinics(self) -> bool {
        self == Role::Administrator
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn permission_table() {
        assert!(Role::Administrator.can(Permission::ManageUsers));
        assert!(!Role::ClinicStaff.can(Permission::ManageUsers));
        assert!(!Role::ClinicStaff.can(Permission::ManageClinics));
        assert!(Role::Administrator.can(Permission::ManageNetwork));
        assert!(!Role::Radiologist.can(Permission::ManageNetwork));
        assert!(Role::ClinicStaff.can(Permission::ViewStudies));
        assert!(Role::Radiologist.can(Permission::ReadStudies));
        assert!(Role::ClinicStaff.can(Permission::StoreStudies));
        assert!(!Role::Radiologist.can(Permission::StoreStudies));
        assert!(!Role::ReferringPhysician.can(Permission::ViewStudies));
        assert!(Role::ClinicStaff.can(Permission::ManageRegistry));
        assert!(Role::Radiologist.can(Permission::ViewRegistry));
        assert!(!Role::Radiologist.can(Permission::ManageRegistry));
        assert!(!Role::ClinicStaff.can(Permission::ManageRadiologists));
        assert!(!Role::ReferringPhysician.can(Permission::ViewRegistry));
        assert!(Role::Administrator.sees_all_clinics());
        assert!(!Role::Radiologist.sees_all_clinics());
    }
}
