//! The SCU side: C-ECHO to a remote node (PS3.7 §9.1.5), measuring the round trip of the whole
//! association. `TCP_NODELAY` is set on the socket once connected.

use super::command;
use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::pdu::{PDataValue, PDataValueType};
use dicom_ul::{ClientAssociationOptions, Pdu};
use std::time::{Duration, Instant};
use tokio::time::timeout;

#[derive(Debug, thiserror::Error)]
pub enum ScuError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("association failed: {0}")]
    Association(String),
    #[error("the peer accepted no presentation context for Verification")]
    NoContext,
    #[error("unexpected answer from the peer")]
    Unexpected,
    #[error("C-ECHO answered with status {0:#06x}")]
    Status(u16),
    #[error(transparent)]
    Command(#[from] command::CommandError),
}

/// Where to send: AE title, host, port, and whether the node requires TLS.
#[derive(Debug, Clone)]
pub struct Peer {
    pub ae_title: String,
    pub host: String,
    pub port: u16,
    /// The node is reached over TLS only (PS3.15 Annex B.1).
    pub tls: bool,
}

/// Why an association to a node that requires TLS is not opened.
pub const TLS_UNSUPPORTED: &str = "the node requires DICOM TLS (PS3.15 Annex B.1), which this \
     version of Passerelle does not support: nothing is sent to it in clear";

impl Peer {
    /// The address to open a plain TCP association to; refused for a node that requires TLS,
    /// so that no door (forward, query, retrieve, echo) ever sends to it in clear.
    pub fn plain_address(&self) -> Result<(&str, u16), &'static str> {
        if self.tls {
            return Err(TLS_UNSUPPORTED);
        }
        Ok((self.host.as_str(), self.port))
    }
}

/// A client association over TCP.
pub type Assoc = dicom_ul::association::client::AsyncClientAssociation<tokio::net::TcpStream>;

/// Why no response command set was read.
#[derive(Debug, thiserror::Error)]
pub enum Reply {
    #[error("the peer aborted the association")]
    Aborted,
    #[error("unexpected PDU from the peer")]
    Unexpected,
    #[error("no response: {0}")]
    Association(String),
}

/// Sends a command set in one P-DATA-TF PDU (PS3.8 §9.3.5, PS3.7 §6.3.1).
pub async fn send_command(
    assoc: &mut Assoc,
    ctx: u8,
    command: Vec<u8>,
) -> Result<(), dicom_ul::association::Error> {
    let rq = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: ctx,
            value_type: PDataValueType::Command,
            is_last: true,
            data: command,
        }],
    };
    assoc.send(&rq).await
}

/// Receives a response command set, joining its fragments until the last one (PS3.8 Annex E).
pub async fn receive_command(assoc: &mut Assoc) -> Result<Vec<u8>, Reply> {
    let mut bytes = Vec::new();
    loop {
        match assoc.receive().await {
            Ok(Pdu::PData { data }) => {
                let mut last = false;
                for pdv in data
                    .into_iter()
                    .filter(|p| p.value_type == PDataValueType::Command)
                {
                    bytes.extend_from_slice(&pdv.data);
                    last |= pdv.is_last;
                }
                if last {
                    return Ok(bytes);
                }
            }
            Ok(Pdu::AbortRQ { .. }) => return Err(Reply::Aborted),
            Ok(_) => return Err(Reply::Unexpected),
            Err(e) => return Err(Reply::Association(e.to_string())),
        }
    }
}

/// Sends one C-ECHO and releases; returns the elapsed time.
pub async fn echo(calling: &str, peer: &Peer, limit: Duration) -> Result<Duration, ScuError> {
    let start = Instant::now();
    timeout(limit, echo_inner(calling, peer, limit))
        .await
        .map_err(|_| ScuError::Timeout(limit))??;
    Ok(start.elapsed())
}

async fn echo_inner(calling: &str, peer: &Peer, limit: Duration) -> Result<(), ScuError> {
    let assoc_err = |e: dicom_ul::association::Error| ScuError::Association(e.to_string());
    let address = peer
        .plain_address()
        .map_err(|e| ScuError::Association(e.to_owned()))?;
    let mut assoc = ClientAssociationOptions::new()
        .with_abstract_syntax(VERIFICATION)
        .calling_ae_title(calling.to_owned())
        .called_ae_title(peer.ae_title.clone())
        .connection_timeout(limit)
        .read_timeout(limit)
        .establish_async(address)
        .await
        .map_err(assoc_err)?;
    let _ = assoc.inner_stream().set_nodelay(true);
    let ctx = assoc
        .presentation_contexts()
        .first()
        .map(|c| c.id)
        .ok_or(ScuError::NoContext)?;
    send_command(&mut assoc, ctx, command::echo_request(1)?)
        .await
        .map_err(assoc_err)?;
    let bytes = receive_command(&mut assoc).await.map_err(|e| match e {
        Reply::Association(e) => ScuError::Association(e),
        Reply::Aborted | Reply::Unexpected => ScuError::Unexpected,
    })?;
    let status = command::status_of(&bytes)?;
    let _ = assoc.release().await;
    if status == command::STATUS_SUCCESS {
        Ok(())
    } else {
        Err(ScuError::Status(status))
    }
}
