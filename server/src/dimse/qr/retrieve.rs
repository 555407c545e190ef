//! C-MOVE SCU (PS3.4 §C.4.2) and C-GET SCU (§C.4.3). Progress comes from the pending responses'
//! sub-operation counts and is published on a watch channel; a cancel flag, checked on every
//! message, sends C-CANCEL once (§C.4.2.2.3). During C-GET the PACS sends the images back as
//! C-STORE sub-operations on the same association: Passerelle takes the SCP role for storage
//! (SCP/SCU role selection, PS3.7 §D.3.3.4) and answers each only once ingest made it durable.

use super::Conn;
use super::identifier::encode;
use super::{QrError, command, context, context_ts, get_class, move_class, options};
use super::{receive, send_command_set, send_data};
use crate::dimse::command as store_cmd;
use crate::dimse::scu::Peer;
use crate::ingest::{Ingest, StoreRequest};
use domain::ClinicId;
use domain::query::{InfoModel, Key, MoveStatus, QueryLevel, SubOps, classify_move_status};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::timeout;

/// What to retrieve.
#[derive(Debug, Clone)]
pub struct RetrieveSpec {
    pub model: InfoModel,
    pub patient_id: String,
    pub study_uid: String,
    /// Empty: the whole study (STUDY level); else these series (SERIES level, UID list).
    pub series_uids: Vec<String>,
}

impl RetrieveSpec {
    /// The identifier: the level and the unique keys down to it (PS3.4 §C.4.2.1.4.1).
    pub fn keys(&self) -> Vec<Key> {
        let level = if self.series_uids.is_empty() {
            QueryLevel::Study
        } else {
            QueryLevel::Series
        };
        let key = |tag, vr, value: &str| Key {
            tag,
            vr,
            value: value.to_owned(),
        };
        let mut keys = vec![key(0x0008_0052, "CS", level.code())];
        if self.model == InfoModel::PatientRoot {
            keys.push(key(0x0010_0020, "LO", &self.patient_id));
        }
        keys.push(key(0x0020_000D, "UI", &self.study_uid));
        if !self.series_uids.is_empty() {
            keys.push(key(0x0020_000E, "UI", &self.series_uids.join("\\")));
        }
        keys
    }
}

/// One C-STORE sub-operation of a C-GET, as received.
pub struct SubOp {
    pub sop_class: String,
    pub sop_instance: String,
    pub transfer_syntax: String,
    pub dataset: Vec<u8>,
}

/// Where C-GET sub-operations go: the answer is the C-STORE-RSP status and comment, sent only
/// once the instance is safe (PS3.4 §C.4.3.3).
#[async_trait::async_trait]
pub trait SubOpStore: Send + Sync {
    async fn store(&self, calling_ae: &str, op: SubOp) -> (u16, Option<String>);
}

/// Ingest as a C-GET destination: the images enter the clinic like a C-STORE.
pub struct IngestStore {
    pub ingest: Arc<Ingest>,
    pub clinic: ClinicId,
    /// Passerelle's AE title (the called AE of the ingest record).
    pub local_ae: String,
}

#[async_trait::async_trait]
impl SubOpStore for IngestStore {
    async fn store(&self, calling_ae: &str, op: SubOp) -> (u16, Option<String>) {
        let rq = StoreRequest {
            clinic: self.clinic,
            calling_ae: calling_ae.to_owned(),
            called_ae: self.local_ae.clone(),
            command_sop_class: op.sop_class,
            command_sop_instance: op.sop_instance,
            transfer_syntax: op.transfer_syntax,
            dataset: op.dataset,
        };
        let r = self.ingest.store(rq).await;
        (r.status, r.comment)
    }
}

/// Where C-GET sub-operations are stored, and which storage classes to offer.
#[derive(Clone)]
pub struct GetSink {
    pub store: Arc<dyn SubOpStore>,
    pub storage_classes: Vec<String>,
    pub max_dataset: usize,
}

pub enum RetrieveTarget {
    Move { destination: String },
    Get(GetSink),
}

/// Progress published while the retrieve runs, and the cancel request.
pub struct Progress {
    pub subops: watch::Sender<SubOps>,
    pub cancel: Arc<AtomicBool>,
}

/// How the retrieve ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: MoveStatus,
    pub code: u16,
    pub subops: SubOps,
    pub comment: Option<String>,
}

const UNCOMPRESSED: [&str; 2] = super::UNCOMPRESSED;
/// Encapsulated syntaxes offered for C-GET so images come back as stored (PS3.5 §10, Annex A.4).
const ENCAPSULATED: [&str; 7] = [
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91",
    "1.2.840.10008.1.2.5",
];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn retrieve_options(
    calling: &str,
    peer: &Peer,
    model: InfoModel,
    target: &RetrieveTarget,
    limit: Duration,
) -> (dicom_ul::ClientAssociationOptions<'static>, &'static str) {
    let class = match target {
        RetrieveTarget::Move { .. } => move_class(model),
        RetrieveTarget::Get(_) => get_class(model),
    };
    let mut opts =
        options(calling, peer, limit).with_presentation_context(class, UNCOMPRESSED.to_vec());
    if let RetrieveTarget::Get(sink) = target {
        // 128 presentation contexts at most (PS3.8 §9.3.2.2): two per storage class.
        for sc in sink.storage_classes.iter().take(63) {
            opts = opts
                .with_presentation_context(sc.clone(), strings(&UNCOMPRESSED))
                .with_presentation_context(sc.clone(), strings(&ENCAPSULATED))
                .with_role_selection(sc.clone(), false, true);
        }
    }
    (opts, class)
}

/// Runs one C-MOVE or C-GET to its end. `limit` bounds connecting and each wait for the PACS.
pub async fn retrieve(
    calling: &str,
    peer: &Peer,
    spec: &RetrieveSpec,
    target: RetrieveTarget,
    progress: &Progress,
    limit: Duration,
) -> Result<Outcome, QrError> {
    retrieve_keys(
        calling,
        peer,
        spec.model,
        &spec.keys(),
        target,
        progress,
        limit,
    )
    .await
}

/// The same with an identifier given as keys (the CLI's `-k`).
pub async fn retrieve_keys(
    calling: &str,
    peer: &Peer,
    model: InfoModel,
    keys: &[Key],
    target: RetrieveTarget,
    progress: &Progress,
    limit: Duration,
) -> Result<Outcome, QrError> {
    let (opts, class) = retrieve_options(calling, peer, model, &target, limit);
    let mut assoc = timeout(limit, Conn::open(opts, peer, limit))
        .await
        .map_err(|_| QrError::Timeout(limit))??;
    let Some((ctx, ts)) = context(&assoc, class) else {
        let _ = assoc.abort().await;
        return Err(QrError::NoContext(match target {
            RetrieveTarget::Move { .. } => "C-MOVE with this model",
            RetrieveTarget::Get(_) => "C-GET with this model",
        }));
    };
    let (field, dest) = match &target {
        RetrieveTarget::Move { destination } => (command::C_MOVE_RQ, Some(destination.as_str())),
        RetrieveTarget::Get(_) => (command::C_GET_RQ, None),
    };
    send_command_set(&mut assoc, ctx, command::request(field, 1, class, dest)?).await?;
    send_data(&mut assoc, ctx, encode(keys, &ts)?).await?;
    let sink = match target {
        RetrieveTarget::Get(s) => Some(s),
        RetrieveTarget::Move { .. } => None,
    };
    let result = responses(&mut assoc, ctx, peer, sink.as_ref(), progress).await;
    match &result {
        Ok(_) => {
            let _ = timeout(Duration::from_secs(5), assoc.release()).await;
        }
        Err(_) => {
            let _ = assoc.abort().await;
        }
    }
    result
}

/// Reads responses (and, for C-GET, C-STORE sub-operations) until the final status.
async fn responses(
    assoc: &mut Conn,
    ctx: u8,
    peer: &Peer,
    sink: Option<&GetSink>,
    progress: &Progress,
) -> Result<Outcome, QrError> {
    let mut cancel_sent = false;
    let max = sink.map_or(1 << 20, |s| s.max_dataset);
    loop {
        if progress.cancel.load(Ordering::Relaxed) && !cancel_sent {
            send_command_set(assoc, ctx, command::cancel(1)?).await?;
            cancel_sent = true;
        }
        let msg = receive(assoc, max).await?;
        if msg.fields.command_field == store_cmd::C_STORE_RQ {
            let sink = sink.ok_or(QrError::Unexpected)?;
            store_sub_operation(assoc, sink, peer, msg).await?;
            continue;
        }
        let code = msg.fields.status.ok_or(QrError::Unexpected)?;
        let subops = msg.fields.subops;
        let _ = progress.subops.send(subops);
        let status = classify_move_status(code);
        if status != MoveStatus::Pending {
            return Ok(Outcome {
                status,
                code,
                subops,
                comment: msg.fields.comment,
            });
        }
    }
}

/// Ingests one C-STORE sub-operation of a C-GET and answers it (PS3.4 §C.4.3.3).
async fn store_sub_operation(
    assoc: &mut Conn,
    sink: &GetSink,
    peer: &Peer,
    msg: super::Message,
) -> Result<(), QrError> {
    let req = store_cmd::parse(&msg.command)?;
    let op = SubOp {
        sop_class: req.affected_sop_class.clone(),
        sop_instance: req.affected_sop_instance.clone(),
        transfer_syntax: context_ts(assoc, msg.context).unwrap_or_default(),
        dataset: msg.dataset.unwrap_or_default(),
    };
    let (status, comment) = sink.store.store(&peer.ae_title, op).await;
    let rsp = store_cmd::response(&req, status, comment.as_deref())?;
    send_command_set(assoc, msg.context, rsp).await
}
