//! One query/retrieve association, over plain TCP or DICOM TLS (PS3.15 Annex B.1): C-FIND,
//! C-MOVE, C-GET and fetch-back run through it, so a PACS or VNA that accepts TLS only is
//! queried and retrieved from like a plain one, and never in clear.

use super::QrError;
use crate::dimse::scu::{self, Assoc, Peer, Stream, TlsAssoc};
use dicom_ul::ClientAssociationOptions;
use dicom_ul::Pdu;
use dicom_ul::association::Error as UlError;
use dicom_ul::association::client::AsyncClientAssociation;
use dicom_ul::pdu::PresentationContextNegotiated;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// An open client association, on the transport the node asks for.
pub enum Conn {
    Plain(Box<Assoc>),
    Tls(Box<TlsAssoc>),
}

/// Runs `$body` with `$a` bound to the association, whatever its transport.
macro_rules! on {
    ($conn:expr, $a:ident => $body:expr) => {
        match $conn {
            Conn::Plain($a) => $body,
            Conn::Tls($a) => $body,
        }
    };
}

impl Conn {
    /// Opens an association to `peer`: DICOM TLS if the node requires it (its certificate
    /// checked against the configured CA and its host), else plain TCP; `TCP_NODELAY` either way.
    pub async fn open(
        opts: ClientAssociationOptions<'static>,
        peer: &Peer,
        limit: Duration,
    ) -> Result<Self, QrError> {
        if peer.tls {
            let assoc = scu::open_tls(opts, peer).await?;
            return Ok(Conn::Tls(Box::new(assoc)));
        }
        let address = (peer.host.as_str(), peer.port);
        let assoc = scu::open_plain(opts, address, limit)
            .await
            .map_err(|e| QrError::Association(e.to_string()))?;
        Ok(Conn::Plain(Box::new(assoc)))
    }

    /// The presentation contexts the peer answered (PS3.8 §9.3.3.2).
    pub fn presentation_contexts(&self) -> &[PresentationContextNegotiated] {
        on!(self, a => a.presentation_contexts())
    }

    /// The next PDU from the peer.
    pub async fn receive(&mut self) -> Result<Pdu, UlError> {
        on!(self, a => a.receive().await)
    }

    /// Sends a command set in one P-DATA-TF PDU (PS3.7 §6.3.1).
    pub async fn send_command(&mut self, ctx: u8, bytes: Vec<u8>) -> Result<(), UlError> {
        on!(self, a => scu::send_command(&mut **a, ctx, bytes).await)
    }

    /// Sends a data set, fragmented to the peer's maximum PDU length (PS3.8 §9.3.5).
    pub async fn send_data(&mut self, ctx: u8, bytes: &[u8]) -> std::io::Result<()> {
        on!(self, a => write_data(&mut **a, ctx, bytes).await)
    }

    /// A-RELEASE (PS3.8 §7.2), then the socket is closed.
    pub async fn release(self) -> Result<(), UlError> {
        on!(self, a => (*a).release().await)
    }

    /// A-ABORT (PS3.8 §7.3), then the socket is closed.
    pub async fn abort(self) -> Result<(), UlError> {
        on!(self, a => (*a).abort().await)
    }
}

async fn write_data<S: Stream>(
    assoc: &mut AsyncClientAssociation<S>,
    ctx: u8,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut writer = assoc.send_pdata(ctx);
    writer.write_all(bytes).await?;
    writer.finish().await
}
