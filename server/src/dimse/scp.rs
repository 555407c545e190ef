//! The DICOM listener (PS3.8 upper layer): one port for every local AE title; associations are
//! accepted only for an enabled local AE and a caller its policy admits (else A-ASSOCIATE-RJ
//! "called / calling AE title not recognized", PS3.8 §9.3.4);
//! a cap on concurrent associations (beyond it a transient A-ASSOCIATE-RJ, "local limit exceeded");
//! an idle timeout per PDU and an overall association deadline; `TCP_NODELAY` on every socket;
//! one tracing span per association.

use super::command::{self, C_ECHO_RQ, STATUS_SUCCESS, STATUS_UNRECOGNIZED_OPERATION};
use super::registry::{AeRegistry, RegistryAccess};
use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::association::server::AsyncServerAssociation;
use dicom_ul::pdu::{
    AssociationRJ, AssociationRJResult, AssociationRJServiceProviderPresentationReason,
    AssociationRJSource, PDataValue, PDataValueType,
};
use dicom_ul::{Pdu, ServerAssociationOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::timeout;
use tracing::{Instrument, field};

/// Limits and identity of the listener.
#[derive(Debug, Clone)]
pub struct ScpConfig {
    pub max_associations: usize,
    pub max_pdu: u32,
    /// Longest wait for the next PDU (ARTIM for the request, idle time after).
    pub idle_timeout: Duration,
    /// Longest life of one association.
    pub association_deadline: Duration,
}

#[derive(Debug, thiserror::Error)]
enum ScpError {
    #[error("peer idle for longer than the limit")]
    Idle,
    #[error("association exceeded its deadline")]
    Deadline,
    #[error("upper layer: {0}")]
    Ul(String),
    #[error(transparent)]
    Command(#[from] command::CommandError),
    #[error("unexpected PDU")]
    Unexpected,
}

pub struct DicomListener {
    listener: TcpListener,
    cfg: Arc<ScpConfig>,
    registry: Arc<AeRegistry>,
    slots: Arc<Semaphore>,
}

impl DicomListener {
    pub async fn bind(
        addr: SocketAddr,
        cfg: ScpConfig,
        registry: Arc<AeRegistry>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let slots = Arc::new(Semaphore::new(cfg.max_associations));
        Ok(Self {
            listener,
            cfg: Arc::new(cfg),
            registry,
            slots,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts associations until the task is dropped.
    pub async fn run(self) {
        loop {
            let (socket, peer) = match self.listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "DICOM accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Without TCP_NODELAY every small response waits on delayed ACKs (~40 ms).
            if let Err(e) = socket.set_nodelay(true) {
                tracing::warn!(error = %e, %peer, "cannot set TCP_NODELAY");
            }
            let cfg = self.cfg.clone();
            match self.slots.clone().try_acquire_owned() {
                Ok(permit) => {
                    let access = RegistryAccess(self.registry.snapshot());
                    tokio::spawn(handle(socket, peer, cfg, access, permit));
                }
                Err(_) => {
                    tokio::spawn(reject_busy(socket, peer, cfg.idle_timeout));
                }
            }
        }
    }
}

/// PS3.8 §9.3.4: A-ASSOCIATE-RJ, result transient, source service-provider (presentation),
/// reason "local limit exceeded".
async fn reject_busy(mut socket: TcpStream, peer: SocketAddr, wait: Duration) {
    tracing::warn!(%peer, "association refused: too many concurrent associations");
    let mut sink = vec![0u8; 16 * 1024];
    let _ = timeout(wait.min(Duration::from_secs(5)), socket.read(&mut sink)).await;
    let rj = Pdu::AssociationRJ(AssociationRJ {
        result: AssociationRJResult::Transient,
        source: AssociationRJSource::ServiceProviderPresentation(
            AssociationRJServiceProviderPresentationReason::LocalLimitExceeded,
        ),
    });
    let mut bytes = Vec::new();
    if dicom_ul::write_pdu(&mut bytes, &rj).is_ok() {
        let _ = timeout(wait, socket.write_all(&bytes)).await;
    }
    let _ = socket.shutdown().await;
}

async fn handle(
    socket: TcpStream,
    peer: SocketAddr,
    cfg: Arc<ScpConfig>,
    access: RegistryAccess,
    _slot: OwnedSemaphorePermit,
) {
    let span =
        tracing::info_span!("association", %peer, calling = field::Empty, called = field::Empty);
    async move {
        let opts = ServerAssociationOptions::new()
            .ae_access_control(access)
            .with_abstract_syntax(VERIFICATION)
            .max_pdu_length(cfg.max_pdu)
            .read_timeout(cfg.idle_timeout)
            .write_timeout(cfg.idle_timeout);
        let mut assoc = match timeout(cfg.idle_timeout, opts.establish_async(socket)).await {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "association not established");
                return;
            }
            Err(_) => {
                tracing::info!("no association request within the limit (ARTIM)");
                return;
            }
        };
        let span = tracing::Span::current();
        span.record(
            "calling",
            dicom_ul::association::Association::peer_ae_title(&assoc),
        );
        span.record("called", assoc.called_ae_title());
        tracing::info!("association accepted");
        let outcome = match timeout(cfg.association_deadline, serve(&mut assoc, &cfg)).await {
            Ok(r) => r,
            Err(_) => Err(ScpError::Deadline),
        };
        match outcome {
            Ok(()) => tracing::info!("association released"),
            Err(e) => {
                tracing::warn!(error = %e, "association aborted");
                let _ = timeout(Duration::from_secs(2), assoc.abort()).await;
            }
        }
    }
    .instrument(span)
    .await;
}

/// The DIMSE loop: answers C-ECHO (PS3.7 §9.1.5) until release or abort.
async fn serve(
    assoc: &mut AsyncServerAssociation<TcpStream>,
    cfg: &ScpConfig,
) -> Result<(), ScpError> {
    let mut cmd: Vec<u8> = Vec::new();
    loop {
        let pdu = match timeout(cfg.idle_timeout, assoc.receive()).await {
            Err(_) => return Err(ScpError::Idle),
            Ok(Err(e)) => return Err(ScpError::Ul(e.to_string())),
            Ok(Ok(p)) => p,
        };
        match pdu {
            Pdu::PData { data } => {
                for pdv in data {
                    if pdv.value_type != PDataValueType::Command {
                        continue; // no data set is expected on the verification context
                    }
                    cmd.extend_from_slice(&pdv.data);
                    if pdv.is_last {
                        let req = command::parse(&cmd)?;
                        cmd.clear();
                        answer(assoc, pdv.presentation_context_id, &req).await?;
                    }
                }
            }
            Pdu::ReleaseRQ => {
                assoc
                    .send(&Pdu::ReleaseRP)
                    .await
                    .map_err(|e| ScpError::Ul(e.to_string()))?;
                return Ok(());
            }
            Pdu::AbortRQ { .. } => return Ok(()),
            _ => return Err(ScpError::Unexpected),
        }
    }
}

async fn answer(
    assoc: &mut AsyncServerAssociation<TcpStream>,
    context: u8,
    req: &command::Request,
) -> Result<(), ScpError> {
    let status = if req.command_field == C_ECHO_RQ {
        STATUS_SUCCESS
    } else {
        STATUS_UNRECOGNIZED_OPERATION
    };
    tracing::debug!(
        command = req.command_field,
        message_id = req.message_id,
        status,
        "DIMSE request"
    );
    let data = command::response(req, status)?;
    let pdu = Pdu::PData {
        data: vec![PDataValue {
            presentation_context_id: context,
            value_type: PDataValueType::Command,
            is_last: true,
            data,
        }],
    };
    assoc
        .send(&pdu)
        .await
        .map_err(|e| ScpError::Ul(e.to_string()))
}
