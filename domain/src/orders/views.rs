//! What the order screens and the JSON API exchange: the order form, its validated form, the
//! list rows and filters, one order with its history and linked studies, and the studies that
//! match no patient or order (reconciliation).

use super::{AccessionNumber, OrderStatus, Priority};
use crate::registry::{FieldError, FieldName, LocalDateTime, Modality, PersonName, clean_text};
use crate::{AeTitle, ClinicId};
use serde::{Deserialize, Serialize};

/// An order as the form and the JSON API send it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInput {
    pub clinic: i64,
    pub patient_id: i64,
    pub physician_id: Option<i64>,
    pub procedure_id: i64,
    /// Empty: generated with the configured prefix.
    pub accession: String,
    pub priority: Priority,
    pub reason: String,
    /// `YYYY-MM-DDTHH:MM`, America/Montreal time.
    pub scheduled_local: String,
    /// Empty: any station of the modality.
    pub station_ae: String,
    /// Empty: the procedure's modality.
    pub modality: String,
}

/// An order form whose fields are valid (references are checked by the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOrder {
    pub accession: Option<AccessionNumber>,
    pub reason: String,
    pub scheduled: LocalDateTime,
    pub station_ae: Option<AeTitle>,
    pub modality: Option<Modality>,
}

impl OrderInput {
    pub fn check(&self) -> Result<ValidOrder, FieldError> {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(ValidOrder {
            accession: opt(&self.accession)
                .map(|a| AccessionNumber::parse(&a))
                .transpose()?,
            reason: clean_text(FieldName::Reason, &self.reason, 256, false)?,
            scheduled: LocalDateTime::parse(FieldName::ScheduledAt, &self.scheduled_local)?,
            station_ae: opt(&self.station_ae)
                .map(|a| {
                    AeTitle::parse(&a).map_err(|_| {
                        FieldError::new(
                            FieldName::StationAe,
                            crate::registry::Problem::BadFormat {
                                expected: "CT01".into(),
                            },
                        )
                    })
                })
                .transpose()?,
            modality: opt(&self.modality)
                .map(|m| Modality::parse(&m))
                .transpose()?,
        })
    }
}

/// How an ingested study was matched to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkMatch {
    StudyUid,
    Accession,
    /// Linked by hand by staff.
    Manual,
}

impl LinkMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMatch::StudyUid => "study_uid",
            LinkMatch::Accession => "accession",
            LinkMatch::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "study_uid" => LinkMatch::StudyUid,
            "accession" => LinkMatch::Accession,
            _ => LinkMatch::Manual,
        }
    }
}

/// A study of the index linked to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderStudyLink {
    pub study_id: i64,
    pub study_uid: String,
    pub matched_by: LinkMatch,
    /// The Patient ID in the images.
    pub dicom_patient_id: String,
    pub dicom_patient_name: String,
    /// The images name another patient than the order: staff must look (never merged silently).
    pub patient_mismatch: bool,
    /// Staff looked at the mismatch and accepted the link.
    pub resolved: bool,
    pub linked_at: i64,
}

/// One change in an order's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    pub at: i64,
    pub actor: String,
    /// `created`, `updated`, `status`, `linked`, `mismatch`, `resolved`.
    pub kind: String,
    pub status: Option<OrderStatus>,
    pub note: String,
}

/// A row of the orders list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRow {
    pub id: i64,
    pub clinic: ClinicId,
    pub accession: String,
    pub patient_id: i64,
    pub patient_name: PersonName,
    pub mrn: String,
    pub procedure_code: String,
    pub procedure_fr: String,
    pub procedure_en: String,
    pub modality: String,
    pub priority: Priority,
    pub status: OrderStatus,
    pub scheduled_at: i64,
    /// `YYYY-MM-DD HH:MM`, America/Montreal.
    pub scheduled_local: String,
    pub physician_name: Option<PersonName>,
    pub station_ae: String,
    /// A linked study names another patient.
    pub needs_attention: bool,
}

/// One order with its references, history and studies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    pub row: OrderRow,
    pub procedure_id: i64,
    pub physician_id: Option<i64>,
    pub reason: String,
    pub study_uid: String,
    pub placer_number: String,
    pub filler_number: String,
    pub requested_procedure_id: String,
    pub admission_id: String,
    /// `ui`, `hl7` or `demo`.
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub studies: Vec<OrderStudyLink>,
    pub events: Vec<OrderEvent>,
    /// The performed procedure steps the modalities reported (MPPS), oldest first.
    #[serde(default)]
    pub steps: Vec<PerformedStepView>,
}

/// A performed procedure step that names no order of its clinic (an unscheduled exam, or a
/// worklist entry the modality did not take): kept, and listed for reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmatchedStep {
    pub clinic: ClinicId,
    /// The AE title that reported it.
    pub calling_ae: String,
    pub study_uid: String,
    pub accession: String,
    pub patient_id: String,
    /// DICOM PN, as the modality sent it.
    pub patient_name: String,
    pub step: PerformedStepView,
}

/// A performed procedure step a modality reported for an order (PS3.4 Annex F).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerformedStepView {
    pub sop_instance_uid: String,
    /// `in_progress`, `completed` or `discontinued`.
    pub status: String,
    pub pps_id: String,
    /// Performed Station AE Title.
    pub station_ae: String,
    pub modality: String,
    pub description: String,
    /// `YYYY-MM-DD HH:MM` as the modality said (its local time).
    pub started: String,
    pub ended: String,
    pub discontinue_reason: String,
    pub series: u32,
    pub instances: u32,
}

/// Filters of the orders list: by default, today's (Montreal) orders of every clinic in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct OrderQuery {
    pub clinic: Option<i64>,
    /// `YYYY-MM-DD` (Montreal), inclusive; both empty: today.
    pub date_from: String,
    pub date_to: String,
    pub status: Option<OrderStatus>,
    /// Patient name, MRN or accession.
    pub text: String,
    pub patient_id: Option<i64>,
    /// Every date (the `date_*` filters are ignored).
    #[serde(default)]
    pub any_date: bool,
    pub page: u64,
}

/// A patient's page: the record, its orders and its studies together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientFile {
    pub patient: crate::registry::PatientView,
    pub orders: Vec<OrderRow>,
    pub studies: Vec<crate::views::StudySummary>,
    /// The record this one was merged into, if it was.
    pub merged_into: Option<crate::registry::PatientView>,
}

/// A study of the index that no patient record's identifiers match, or whose order link names
/// another patient: staff reconcile it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmatchedStudy {
    pub study_id: i64,
    pub clinic: ClinicId,
    pub study_uid: String,
    pub study_date: String,
    pub accession: String,
    pub description: String,
    pub modalities: String,
    pub dicom_patient_id: String,
    pub dicom_patient_name: String,
    pub dicom_birth_date: String,
    pub dicom_sex: String,
    /// `no_patient` (no record has this Patient ID) or `patient_mismatch` (its order is
    /// another patient's); with the order's id then.
    pub reason: String,
    pub order_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_form() {
        let mut i = OrderInput {
            clinic: 1,
            patient_id: 2,
            procedure_id: 3,
            scheduled_local: "2026-12-07T14:30".into(),
            ..Default::default()
        };
        let v = i.check().expect("valid");
        assert_eq!(v.accession, None);
        assert_eq!(v.scheduled.minute_of_day(), 14 * 60 + 30);
        i.station_ae = "CT\\1".into();
        assert_eq!(i.check().map_err(|e| e.field), Err(FieldName::StationAe));
        i.station_ae = "CT01".into();
        i.scheduled_local = "tomorrow".into();
        assert_eq!(i.check().map_err(|e| e.field), Err(FieldName::ScheduledAt));
    }
}
