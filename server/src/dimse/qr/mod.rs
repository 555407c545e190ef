//! Query/retrieve SCU (PS3.4 Annex C): C-FIND over one association per search, C-MOVE and C-GET
//! with sub-operation progress and C-CANCEL, over plain TCP or DICOM TLS (PS3.15 Annex B.1).
//! Every socket has `TCP_NODELAY`, every read a timeout, every operation an overall deadline.

pub mod command;
pub mod conn;
pub mod find;
pub mod identifier;
pub mod retrieve;

use super::scu::Peer;
use dicom_ul::ClientAssociationOptions;
use dicom_ul::Pdu;
use dicom_ul::pdu::{PDataValueType, PresentationContextResultReason};
use domain::query::InfoModel;
use std::time::Duration;

pub use conn::Conn;
pub use find::{FindLimits, find};
pub use retrieve::{Progress, RetrieveSpec, RetrieveTarget, retrieve};

/// Implicit and explicit VR little endian: what identifiers are sent in (PS3.5 §10.1, §10.2).
pub const UNCOMPRESSED: [&str; 2] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"];

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("association failed: {0}")]
    Association(String),
    #[error("the PACS does not support {0}")]
    NoContext(&'static str),
    #[error("the PACS aborted the association")]
    Aborted,
    #[error("unexpected answer from the PACS")]
    Unexpected,
    #[error("the PACS answered status {status:#06x}: {reason}")]
    Status { status: u16, reason: String },
    #[error(transparent)]
    Command(#[from] crate::dimse::command::CommandError),
    #[error(transparent)]
    Identifier(#[from] identifier::IdentifierError),
    #[error(transparent)]
    Tls(#[from] super::scu::TlsOpenError),
}

/// The SOP classes of a model (PS3.4 §C.6.1.1, §C.6.2.1; UIDs from PS3.6 Annex A).
pub fn find_class(model: InfoModel) -> &'static str {
    match model {
        InfoModel::PatientRoot => "1.2.840.10008.5.1.4.1.2.1.1",
        InfoModel::StudyRoot => "1.2.840.10008.5.1.4.1.2.2.1",
    }
}
pub fn move_class(model: InfoModel) -> &'static str {
    match model {
        InfoModel::PatientRoot => "1.2.840.10008.5.1.4.1.2.1.2",
        InfoModel::StudyRoot => "1.2.840.10008.5.1.4.1.2.2.2",
    }
}
pub fn get_class(model: InfoModel) -> &'static str {
    match model {
        InfoModel::PatientRoot => "1.2.840.10008.5.1.4.1.2.1.3",
        InfoModel::StudyRoot => "1.2.840.10008.5.1.4.1.2.2.3",
    }
}

/// Association options with the usual limits and the calling / called AE titles.
pub fn options(calling: &str, peer: &Peer, limit: Duration) -> ClientAssociationOptions<'static> {
    ClientAssociationOptions::new()
        .calling_ae_title(calling.to_owned())
        .called_ae_title(peer.ae_title.clone())
        .connection_timeout(limit)
        .read_timeout(limit)
        .write_timeout(limit)
}

/// The accepted presentation context of `class` and its transfer syntax.
pub fn context(assoc: &Conn, class: &str) -> Option<(u8, String)> {
    assoc
        .presentation_contexts()
        .iter()
        .find(|c| {
            c.reason == PresentationContextResultReason::Acceptance
                && c.abstract_syntax.trim_end_matches('\0') == class
        })
        .map(|c| (c.id, c.transfer_syntax.trim_end_matches('\0').to_owned()))
}

/// The transfer syntax of the accepted context `id`.
pub fn context_ts(assoc: &Conn, id: u8) -> Option<String> {
    assoc
        .presentation_contexts()
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.transfer_syntax.trim_end_matches('\0').to_owned())
}

/// One DIMSE message: its command set, the context it came on and its data set, if any.
pub struct Message {
    pub context: u8,
    pub command: Vec<u8>,
    pub fields: command::Fields,
    pub dataset: Option<Vec<u8>>,
}

/// Receives the next message, joining command and data fragments (PS3.8 Annex E). A data set
/// larger than `max_dataset` bytes is an error (the association is then aborted by the caller).
pub async fn receive(assoc: &mut Conn, max_dataset: usize) -> Result<Message, QrError> {
    let (mut command, mut data) = (Vec::new(), Vec::new());
    let mut fields: Option<command::Fields> = None;
    loop {
        let pdvs = match assoc.receive().await {
            Ok(Pdu::PData { data }) => data,
            Ok(Pdu::AbortRQ { .. }) => return Err(QrError::Aborted),
            Ok(_) => return Err(QrError::Unexpected),
            Err(e) => return Err(QrError::Association(e.to_string())),
        };
        for pdv in pdvs {
            let context = pdv.presentation_context_id;
            match pdv.value_type {
                PDataValueType::Command => {
                    command.extend_from_slice(&pdv.data);
                    if pdv.is_last {
                        let f = command::fields(&command)?;
                        if !f.has_dataset {
                            return Ok(Message {
                                context,
                                command,
                                fields: f,
                                dataset: None,
                            });
                        }
                        fields = Some(f);
                    }
                }
                PDataValueType::Data => {
                    if data.len() + pdv.data.len() > max_dataset {
                        return Err(QrError::Unexpected);
                    }
                    data.extend_from_slice(&pdv.data);
                    if pdv.is_last {
                        let f = fields.take().ok_or(QrError::Unexpected)?;
                        return Ok(Message {
                            context,
                            command,
                            fields: f,
                            dataset: Some(data),
                        });
                    }
                }
            }
        }
    }
}

/// Sends a command set in one P-DATA-TF PDU.
pub async fn send_command_set(assoc: &mut Conn, ctx: u8, bytes: Vec<u8>) -> Result<(), QrError> {
    assoc
        .send_command(ctx, bytes)
        .await
        .map_err(|e| QrError::Association(e.to_string()))
}

/// Sends a data set, fragmented to the peer's maximum PDU length.
pub async fn send_data(assoc: &mut Conn, ctx: u8, bytes: Vec<u8>) -> Result<(), QrError> {
    assoc
        .send_data(ctx, &bytes)
        .await
        .map_err(|e| QrError::Association(e.to_string()))
}
