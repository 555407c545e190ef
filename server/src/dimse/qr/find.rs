//! C-FIND SCU (PS3.4 §C.4.1, PS3.7 §9.1.2): several queries may share one association (the
//! Patient Root search asks for patients, then for each patient's studies). Pending answers
//! carry one identifier each; past `max_results` a C-CANCEL stops the PACS (§C.4.1.2.3).

use super::identifier::{decode, encode};
use super::{
    Conn, QrError, command, context, find_class, options, receive, send_command_set, send_data,
};
use crate::dimse::scu::Peer;
use dicom_object::InMemDicomObject;
use domain::query::{InfoModel, Key};
use std::time::Duration;
use tokio::time::timeout;

#[derive(Debug, Clone, Copy)]
pub struct FindLimits {
    /// Connect / read timeout, and the deadline of the whole search.
    pub timeout: Duration,
    pub max_results: usize,
}

/// An open C-FIND association.
pub struct FindSession {
    assoc: Conn,
    ctx: u8,
    ts: String,
    next_id: u16,
    limits: FindLimits,
}

/// The answers of one C-FIND; `truncated` when the PACS had more than the limit.
pub struct Found {
    pub rows: Vec<InMemDicomObject>,
    pub truncated: bool,
}

impl FindSession {
    pub async fn open(
        calling: &str,
        peer: &Peer,
        model: InfoModel,
        limits: FindLimits,
    ) -> Result<Self, QrError> {
        let class = find_class(model);
        let opts = options(calling, peer, limits.timeout)
            .with_presentation_context(class, super::UNCOMPRESSED.to_vec());
        let assoc = timeout(limits.timeout, Conn::open(opts, peer, limits.timeout))
            .await
            .map_err(|_| QrError::Timeout(limits.timeout))??;
        let (ctx, ts) = context(&assoc, class).ok_or(QrError::NoContext(match model {
            InfoModel::StudyRoot => "Study Root C-FIND",
            InfoModel::PatientRoot => "Patient Root C-FIND",
        }))?;
        Ok(Self {
            assoc,
            ctx,
            ts,
            next_id: 1,
            limits,
        })
    }

    /// One C-FIND with identifier `keys`.
    pub async fn find(&mut self, class: &str, keys: &[Key]) -> Result<Found, QrError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let rq = command::request(command::C_FIND_RQ, id, class, None)?;
        send_command_set(&mut self.assoc, self.ctx, rq).await?;
        send_data(&mut self.assoc, self.ctx, encode(keys, &self.ts)?).await?;
        let mut found = Found {
            rows: Vec::new(),
            truncated: false,
        };
        loop {
            let msg = receive(&mut self.assoc, 1 << 20).await?;
            let status = msg.fields.status.ok_or(QrError::Unexpected)?;
            match status {
                0xFF00 | 0xFF01 => {
                    if let Some(data) = msg.dataset {
                        if found.rows.len() < self.limits.max_results {
                            found.rows.push(decode(&data, &self.ts)?);
                        } else if !found.truncated {
                            found.truncated = true;
                            send_command_set(&mut self.assoc, self.ctx, command::cancel(id)?)
                                .await?;
                        }
                    }
                }
                0x0000 | 0xFE00 => return Ok(found),
                s => {
                    return Err(QrError::Status {
                        status: s,
                        reason: find_failure(s, msg.fields.comment.as_deref()),
                    });
                }
            }
        }
    }

    pub async fn close(self) {
        let _ = timeout(Duration::from_secs(2), self.assoc.release()).await;
    }
}

/// PS3.4 §C.4.1.1.4: C-FIND failure statuses.
fn find_failure(status: u16, comment: Option<&str>) -> String {
    let what = match status {
        0xA700 => "the PACS is out of resources",
        0xA900 => "the identifier does not match the SOP class",
        0x0122 => "the SOP class is not supported",
        s if s & 0xF000 == 0xC000 => "the PACS was unable to process the query",
        _ => "the query failed",
    };
    match comment {
        Some(c) if !c.is_empty() => format!("{what} ({c})"),
        _ => what.to_owned(),
    }
}

/// One query on its own association, within the deadline.
pub async fn find(
    calling: &str,
    peer: &Peer,
    model: InfoModel,
    keys: &[Key],
    limits: FindLimits,
) -> Result<Found, QrError> {
    let work = async {
        let mut s = FindSession::open(calling, peer, model, limits).await?;
        let found = s.find(find_class(model), keys).await;
        s.close().await;
        found
    };
    timeout(limits.timeout, work)
        .await
        .map_err(|_| QrError::Timeout(limits.timeout))?
}
