//! The SCU side: C-ECHO to a remote node (PS3.7 §9.1.5), measuring the round trip of the whole
//! association; the command-set helpers of every association Passerelle opens, over plain TCP
//! or DICOM TLS (PS3.15 Annex B.1). `TCP_NODELAY` is set on the socket once connected.

use super::command;
use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::association::client::{AsyncClientAssociation, AsyncTlsStream};
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
    #[error(transparent)]
    Tls(#[from] TlsOpenError),
}

pub use crate::targets::Peer;

/// A client association over TCP.
pub type Assoc = AsyncClientAssociation<tokio::net::TcpStream>;

/// A client association over DICOM TLS.
pub type TlsAssoc = AsyncClientAssociation<AsyncTlsStream>;

/// What an association can run on: plain TCP or TLS over TCP.
pub trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

/// Opens a DICOM TLS association to `peer` (its host name or address checked against its
/// certificate) with the process's TLS configuration, and sets `TCP_NODELAY`.
pub async fn open_tls(
    opts: ClientAssociationOptions<'static>,
    peer: &Peer,
) -> Result<TlsAssoc, TlsOpenError> {
    let config = super::tls::client()?;
    let mut assoc = opts
        .tls_config(config)
        .server_name(&peer.host)
        .establish_tls_async((peer.host.as_str(), peer.port))
        .await?;
    let _ = assoc.inner_stream().get_ref().0.set_nodelay(true);
    Ok(assoc)
}

/// Opens a plain TCP association to `address` and sets `TCP_NODELAY`.
///
/// With TLS support built in, dicom-ul reports any unreadable A-ASSOCIATE response (a timeout,
/// a closed connection) as "peer seems to be sending TLS data"; that error is told apart here
/// by the time waited, so that an operator reads what happened.
pub async fn open_plain(
    opts: ClientAssociationOptions<'static>,
    address: (&str, u16),
    limit: Duration,
) -> Result<Assoc, OpenError> {
    let started = Instant::now();
    match opts.establish_async(address).await {
        Ok(mut assoc) => {
            let _ = assoc.inner_stream().set_nodelay(true);
            Ok(assoc)
        }
        Err(dicom_ul::association::Error::TlsNotSupported) => Err(OpenError::Unanswered(
            if started.elapsed() + Duration::from_millis(50) >= limit {
                "no association response within the timeout"
            } else {
                "the peer did not answer with an association response (does it expect TLS?)"
            },
        )),
        Err(e) => Err(OpenError::Association(e)),
    }
}

/// Why a plain association was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Association(dicom_ul::association::Error),
    #[error("{0}")]
    Unanswered(&'static str),
}

/// Why a DICOM TLS association was not opened.
#[derive(Debug, thiserror::Error)]
pub enum TlsOpenError {
    #[error(transparent)]
    Config(#[from] super::tls::TlsError),
    #[error("TLS association failed: {}", with_causes(.0))]
    Association(#[from] dicom_ul::association::Error),
}

/// An error and its causes, so that the TLS reason under "could not connect" is shown (e.g.
/// "invalid peer certificate: UnknownIssuer").
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

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
pub async fn send_command<S: Stream>(
    assoc: &mut AsyncClientAssociation<S>,
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
pub async fn receive_command<S: Stream>(
    assoc: &mut AsyncClientAssociation<S>,
) -> Result<Vec<u8>, Reply> {
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
    let opts = ClientAssociationOptions::new()
        .with_abstract_syntax(VERIFICATION)
        .calling_ae_title(calling.to_owned())
        .called_ae_title(peer.ae_title.clone())
        .connection_timeout(limit)
        .read_timeout(limit);
    if peer.tls {
        return echo_on(open_tls(opts, peer).await?).await;
    }
    let address = (peer.host.as_str(), peer.port);
    let assoc = open_plain(opts, address, limit)
        .await
        .map_err(|e| ScuError::Association(e.to_string()))?;
    echo_on(assoc).await
}

/// One C-ECHO on an open association, then A-RELEASE.
async fn echo_on<S: Stream>(mut assoc: AsyncClientAssociation<S>) -> Result<(), ScuError> {
    let assoc_err = |e: dicom_ul::association::Error| ScuError::Association(e.to_string());
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
