//! The DICOM listener (PS3.8 upper layer): one port for every local AE title; associations are
//! accepted only for an enabled local AE and a caller its policy admits (else A-ASSOCIATE-RJ
//! "called / calling AE title not recognized", PS3.8 §9.3.4);
//! a cap on concurrent associations (beyond it a transient A-ASSOCIATE-RJ, "local limit exceeded");
//! an idle timeout per PDU and an overall association deadline; `TCP_NODELAY` on every socket;
//! one tracing span per association; optionally DICOM TLS only (PS3.15 Annex B.1).

use super::registry::{AeRegistry, RegistryAccess, Snapshot};
use super::reload::Reloading;
use super::scu::Stream;
use super::service::{Session, serve};
use super::storage_classes::STORAGE_SOP_CLASSES;
use crate::ingest::Ingest;
use dicom_dictionary_std::uids::VERIFICATION;
use dicom_ul::association::server::{AsyncServerAssociation, Negotiation};
use dicom_ul::pdu::{
    AssociationRJ, AssociationRJResult, AssociationRJServiceProviderPresentationReason,
    AssociationRJSource, RequestorRoles,
};
use dicom_ul::{Pdu, ServerAssociationOptions};
use domain::AeTitle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::error::Elapsed;
use tokio::time::timeout;
use tracing::{Instrument, field};

/// Limits and identity of the listener.
#[derive(Debug, Clone)]
pub struct ScpConfig {
    /// Largest data set accepted in one C-STORE, in bytes.
    pub max_dataset: usize,
    pub max_associations: usize,
    pub max_pdu: u32,
    /// Longest wait for the next PDU (ARTIM for the request, idle time after).
    pub idle_timeout: Duration,
    /// Longest life of one association.
    pub association_deadline: Duration,
}

pub struct DicomListener {
    listener: TcpListener,
    cfg: Arc<ScpConfig>,
    registry: Arc<AeRegistry>,
    ingest: Option<Arc<Ingest>>,
    slots: Arc<Semaphore>,
    /// On a dedicated port: the only AE title served.
    only: Option<AeTitle>,
    /// DICOM TLS (PS3.15 Annex B.1): every connection starts with a TLS handshake.
    tls: Option<Arc<Reloading<rustls::ServerConfig>>>,
}

impl DicomListener {
    pub async fn bind(
        addr: SocketAddr,
        cfg: ScpConfig,
        registry: Arc<AeRegistry>,
        ingest: Option<Arc<Ingest>>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let slots = Arc::new(Semaphore::new(cfg.max_associations));
        Ok(Self {
            listener,
            cfg: Arc::new(cfg),
            registry,
            ingest,
            slots,
            only: None,
            tls: None,
        })
    }

    /// Accepts DICOM TLS only, with the configuration `source` holds when each association
    /// arrives (certificate, and client verification if any).
    pub fn tls(mut self, source: Arc<Reloading<rustls::ServerConfig>>) -> Self {
        self.tls = Some(source);
        self
    }

    /// Counts associations against `slots`, shared with other listeners, instead of a cap of
    /// its own: `max_associations` bounds the process, whatever port or transport is used.
    pub fn sharing(mut self, slots: Arc<Semaphore>) -> Self {
        self.slots = slots;
        self
    }

    /// Serves only `ae` (a local AE title's dedicated port).
    pub fn only(mut self, ae: AeTitle) -> Self {
        self.only = Some(ae);
        self
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
                    let access = RegistryAccess(self.registry.snapshot(), self.only.clone());
                    let ingest = self.ingest.clone();
                    let tls = self.tls.clone();
                    tokio::spawn(handle(socket, peer, cfg, access, ingest, tls, permit));
                }
                Err(_) => {
                    crate::telemetry::association("busy");
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

/// SCP/SCU role selection (PS3.7 §D.3.3.4): a C-GET requestor that asks to be the SCP of a
/// storage class gets the roles it asks, so that the instances come back on its association.
#[derive(Debug, Clone, Copy, Default)]
pub struct Roles;

impl Negotiation for Roles {
    fn negotiate_roles(&self, uid: &str, scu: bool, scp: bool) -> Option<RequestorRoles> {
        STORAGE_SOP_CLASSES
            .contains(&uid.trim_end_matches('\0'))
            .then_some(RequestorRoles { scu, scp })
    }
}

/// The association options (PS3.8 §7.1): verification, and every storage SOP class, the
/// Modality Worklist, MPPS, Query/Retrieve and Storage Commitment when this listener serves
/// Passerelle's data (it ingests).
fn options(
    cfg: &ScpConfig,
    access: RegistryAccess,
    storage: bool,
) -> ServerAssociationOptions<'static, RegistryAccess, Roles> {
    let mut opts = ServerAssociationOptions::new()
        .with_negotiation(Roles)
        .ae_access_control(access)
        .with_abstract_syntax(VERIFICATION)
        .max_pdu_length(cfg.max_pdu)
        .read_timeout(cfg.idle_timeout)
        .write_timeout(cfg.idle_timeout);
    if storage {
        for uid in STORAGE_SOP_CLASSES {
            opts = opts.with_abstract_syntax(*uid);
        }
        opts = opts.with_abstract_syntax(super::worklist::MWL_FIND);
        opts = opts.with_abstract_syntax(super::mpps::MPPS);
        opts = opts.with_abstract_syntax(domain::commitment::PUSH_MODEL);
        for uid in domain::query::scp::QR_CLASSES {
            opts = opts.with_abstract_syntax(uid);
        }
    }
    opts
}

/// `None` (logged) if the association was refused, or never requested in time (ARTIM).
fn established<A>(r: Result<Result<A, dicom_ul::association::Error>, Elapsed>) -> Option<A> {
    match r {
        Ok(Ok(a)) => Some(a),
        Ok(Err(e)) => {
            tracing::info!(error = %e, "association not established");
            None
        }
        Err(_) => {
            tracing::info!("no association request within the limit (ARTIM)");
            None
        }
    }
}

async fn handle(
    socket: TcpStream,
    peer: SocketAddr,
    cfg: Arc<ScpConfig>,
    access: RegistryAccess,
    ingest: Option<Arc<Ingest>>,
    tls: Option<Arc<Reloading<rustls::ServerConfig>>>,
    _slot: OwnedSemaphorePermit,
) {
    let span =
        tracing::info_span!("association", %peer, calling = field::Empty, called = field::Empty);
    async move {
        let snapshot = access.0.clone();
        let opts = options(&cfg, access, ingest.is_some());
        let wait = cfg.idle_timeout;
        match tls.map(|source| source.current()) {
            Some(tls) => {
                let opts = opts.tls_config(tls);
                match established(timeout(wait, opts.establish_tls_async(socket)).await) {
                    Some(assoc) => run(assoc, &cfg, &snapshot, ingest).await,
                    None => crate::telemetry::association("rejected"),
                }
            }
            None => match established(timeout(wait, opts.establish_async(socket)).await) {
                Some(assoc) => run(assoc, &cfg, &snapshot, ingest).await,
                None => crate::telemetry::association("rejected"),
            },
        }
    }
    .instrument(span)
    .await;
}

/// Admits the negotiated association by the registry, then serves it until release, abort or
/// its deadline.
async fn run<S: Stream>(
    mut assoc: AsyncServerAssociation<S>,
    cfg: &ScpConfig,
    snapshot: &Arc<Snapshot>,
    ingest: Option<Arc<Ingest>>,
) {
    let calling = dicom_ul::association::Association::peer_ae_title(&assoc)
        .trim()
        .to_owned();
    let called = assoc.called_ae_title().trim().to_owned();
    let span = tracing::Span::current();
    span.record("calling", calling.as_str());
    span.record("called", called.as_str());
    let Ok(clinic) = snapshot.admit(&calling, &called) else {
        crate::telemetry::association("rejected");
        tracing::warn!("association admitted by negotiation but not by the registry");
        let _ = timeout(Duration::from_secs(2), assoc.abort()).await;
        return;
    };
    tracing::info!(clinic = clinic.0, "association accepted");
    crate::telemetry::association("accepted");
    let _active = crate::telemetry::ActiveAssociation::start();
    let session = Session {
        clinic,
        calling,
        called,
        ingest,
        idle: cfg.idle_timeout,
        max_dataset: cfg.max_dataset,
    };
    let outcome = match timeout(cfg.association_deadline, serve(&mut assoc, &session)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("association exceeded its deadline".to_owned()),
    };
    match outcome {
        Ok(()) => tracing::info!("association released"),
        Err(e) => {
            tracing::warn!(error = %e, "association aborted");
            let _ = timeout(Duration::from_secs(2), assoc.abort()).await;
        }
    }
}
