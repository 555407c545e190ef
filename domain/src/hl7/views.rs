//! What the HL7 messages page and the JSON API show: received messages with what was done,
//! and the facilities mapped to clinics.

use crate::ClinicId;
use serde::{Deserialize, Serialize};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Applied (AA).
    Applied,
    /// Its content was refused (AE); it can be processed again once the cause is fixed.
    Error,
    /// It could not be read or is not supported (AR).
    Rejected,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 3] = [
        MessageStatus::Applied,
        MessageStatus::Error,
        MessageStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Applied => "applied",
            MessageStatus::Error => "error",
            MessageStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A row of the messages page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageRow {
    pub id: i64,
    /// Unix milliseconds.
    pub received_at: i64,
    pub peer: String,
    pub sending_app: String,
    pub sending_facility: String,
    pub control_id: String,
    /// `ORM^O01`.
    pub message_type: String,
    pub clinic: Option<ClinicId>,
    pub status: MessageStatus,
    pub ack_code: String,
    pub error: String,
    pub size: i64,
    pub attempts: i64,
}

/// One message with its text and the ACK sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDetail {
    pub row: MessageRow,
    /// The message as received, segments on their own lines (the first 64 KiB).
    pub text: String,
    pub ack: String,
}

/// Filters of the messages page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct MessageQuery {
    pub status: Option<MessageStatus>,
    pub page: u64,
}

/// Which side of the MSH a facility is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FacilitySide {
    /// MSH-4, the facility that sent the message.
    Sending,
    /// MSH-6, the facility it was sent to.
    Receiving,
}

impl FacilitySide {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilitySide::Sending => "sending",
            FacilitySide::Receiving => "receiving",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sending" => Some(FacilitySide::Sending),
            "receiving" => Some(FacilitySide::Receiving),
            _ => None,
        }
    }
}

/// A facility name mapped to a clinic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacilityMap {
    pub side: FacilitySide,
    /// The MSH-4 / MSH-6 namespace ID, as the sender writes it (compared ignoring case).
    pub facility: String,
    pub clinic: ClinicId,
}

impl FacilityMap {
    /// 1–64 printable characters.
    pub fn check(&self) -> Result<(), crate::registry::FieldError> {
        use crate::registry::{FieldName, required_text};
        required_text(FieldName::Facility, &self.facility, 64, false).map(|_| ())
    }
}
