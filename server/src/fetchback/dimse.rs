//! Fetch-back from a DIMSE destination: one C-GET per series at IMAGE level with the list of the
//! released SOP Instance UIDs (PS3.4 §C.4.3, UID list matching §C.2.2.2.2); each sub-operation
//! is written to the spool and indexed before its C-STORE-RSP.

use super::{Wanted, save};
use crate::dimse::qr::retrieve::{
    GetSink, Progress, RetrieveTarget, SubOp, SubOpStore, retrieve_keys,
};
use crate::dimse::scu::Peer;
use crate::qr::classes::COMMON;
use crate::storage::Spool;
use domain::query::{InfoModel, Key};
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Stores the wanted instances of one C-GET; answers success for the others without keeping
/// them (the VNA may send more than asked).
struct Restore {
    db: DatabaseConnection,
    spool: Spool,
    wanted: Vec<Wanted>,
    done: Mutex<Vec<i64>>,
}

#[async_trait::async_trait]
impl SubOpStore for Restore {
    async fn store(&self, _calling: &str, op: SubOp) -> (u16, Option<String>) {
        let Some(w) = self.wanted.iter().find(|w| w.sop_uid == op.sop_instance) else {
            return (0x0000, None);
        };
        if save(&self.db, &self.spool, w, &op.transfer_syntax, op.dataset).await {
            if let Ok(mut d) = self.done.lock() {
                d.push(w.id);
            }
            (0x0000, None)
        } else {
            // PS3.4 §B.2.3: out of resources; the instance stays released.
            (0xA700, Some("cannot store the instance".into()))
        }
    }
}

fn keys(study: &str, series: &str, sops: &[&str]) -> Vec<Key> {
    let k = |tag, vr, v: &str| Key {
        tag,
        vr,
        value: v.to_owned(),
    };
    vec![
        k(0x0008_0052, "CS", "IMAGE"),
        k(0x0020_000D, "UI", study),
        k(0x0020_000E, "UI", series),
        k(0x0008_0018, "UI", &sops.join("\\")),
    ]
}

/// Returns the ids of the instances restored.
pub async fn fetch(
    db: &DatabaseConnection,
    spool: &Spool,
    calling: &str,
    peer: &Peer,
    wanted: &[Wanted],
    limit: Duration,
) -> Vec<i64> {
    let mut by_series: BTreeMap<(&str, &str), Vec<&Wanted>> = BTreeMap::new();
    for w in wanted {
        by_series
            .entry((&w.study_uid, &w.series_uid))
            .or_default()
            .push(w);
    }
    let mut restored = Vec::new();
    for ((study, series), ws) in by_series {
        let mut classes: Vec<String> = ws.iter().map(|w| w.sop_class.clone()).collect();
        classes.sort();
        classes.dedup();
        classes.extend(
            COMMON
                .iter()
                .map(|c| (*c).to_owned())
                .filter(|c| !classes.contains(c))
                .collect::<Vec<_>>(),
        );
        classes.truncate(63);
        let store = Arc::new(Restore {
            db: db.clone(),
            spool: spool.clone(),
            wanted: ws.iter().map(|w| (*w).clone()).collect(),
            done: Mutex::new(Vec::new()),
        });
        let sink = GetSink {
            store: store.clone(),
            storage_classes: classes,
            max_dataset: 1 << 30,
        };
        let (tx, _rx) = tokio::sync::watch::channel(Default::default());
        let progress = Progress {
            subops: tx,
            cancel: Arc::new(AtomicBool::new(false)),
        };
        let sops: Vec<&str> = ws.iter().map(|w| w.sop_uid.as_str()).collect();
        let r = retrieve_keys(
            calling,
            peer,
            InfoModel::StudyRoot,
            &keys(study, series, &sops),
            RetrieveTarget::Get(sink),
            &progress,
            limit,
        )
        .await;
        if let Err(e) = &r {
            tracing::warn!(error = %e, peer = %peer.ae_title, "C-GET fetch-back failed");
        }
        if let Ok(d) = store.done.lock() {
            restored.extend(d.iter().copied());
        }
    }
    restored
}
