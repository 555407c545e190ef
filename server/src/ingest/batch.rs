//! Durable ingest of several instances answered together (STOW-RS: one HTTP answer for all the
//! parts of a request, PS3.18 §10.5.3): every file is written and fsynced, the index rows of
//! all of them are inserted in one transaction (one savepoint each) committed once, and only
//! then is any of them answered. The acknowledgement rule is the C-STORE one; the index pays one
//! commit instead of one per instance. Duplicates are resolved afterwards, one by one.

use super::{Checked, Ingest, OUT_OF_RESOURCES, StoreRequest, StoreResult, new_instance};
use crate::db::index;
use crate::storage::Spool;
use futures_util::future::join_all;
use sea_orm::TransactionTrait;

/// A checked instance whose file is being written at `rel`.
struct Staged {
    rq: StoreRequest,
    checked: Checked,
    rel: String,
}

impl Ingest {
    /// Makes every instance durable and indexed; the answers are in the order of `rqs`.
    pub async fn store_batch(&self, rqs: Vec<StoreRequest>) -> Vec<StoreResult> {
        let started = std::time::Instant::now();
        let sizes: Vec<usize> = rqs.iter().map(|r| r.dataset.len()).collect();
        let results = self.store_all(rqs).await;
        let seconds = started.elapsed().as_secs_f64();
        for (r, bytes) in results.iter().zip(sizes) {
            crate::telemetry::received("stow", r.outcome(), bytes, seconds);
        }
        results
    }

    async fn store_all(&self, rqs: Vec<StoreRequest>) -> Vec<StoreResult> {
        let mut out: Vec<Option<StoreResult>> = vec![None; rqs.len()];
        let checked = join_all(rqs.into_iter().map(|mut rq| async move {
            let c = self.check(&mut rq, false).await;
            (rq, c)
        }))
        .await;
        let mut staged: Vec<(usize, Staged)> = Vec::new();
        for (i, (rq, c)) in checked.into_iter().enumerate() {
            match c {
                Ok(checked) => staged.push((
                    i,
                    Staged {
                        rq,
                        checked,
                        rel: Spool::new_path(),
                    },
                )),
                Err(r) => out[i] = Some(r),
            }
        }
        let written = join_all(
            staged
                .iter()
                .map(|(_, s)| self.write_at(&s.checked, &s.rel, true)),
        )
        .await;
        let mut ready = Vec::new();
        for ((i, s), w) in staged.into_iter().zip(written) {
            match w {
                Ok(_) => ready.push((i, s)),
                Err(r) => out[i] = Some(r),
            }
        }
        for (i, r) in self.index_together(ready).await {
            out[i] = Some(r);
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| StoreResult::fail(OUT_OF_RESOURCES, "not processed")))
            .collect()
    }

    /// One transaction for the written instances; duplicates resolved after the commit.
    async fn index_together(&self, ready: Vec<(usize, Staged)>) -> Vec<(usize, StoreResult)> {
        let mut results = Vec::new();
        let mut inserted: Vec<(usize, Staged)> = Vec::new();
        let mut again: Vec<(usize, Staged)> = Vec::new();
        let gate = crate::db::gate::write(&self.db).await;
        let txn = match self.db.begin().await {
            Ok(t) => t,
            Err(e) => return self.give_up(ready, &e.to_string()),
        };
        let mut seeds_all = Vec::new();
        for (i, s) in ready {
            let (facts, seeds) = self.route(&s.rq, &s.checked);
            let n = new_instance(
                &s.rq,
                &s.checked,
                &s.rel,
                s.checked.file_size(),
                &facts,
                &seeds,
            );
            match index::insert(&txn, n, &self.ids).await {
                Ok(true) => {
                    seeds_all.extend(seeds);
                    inserted.push((i, s));
                }
                Ok(false) => {
                    self.spool.remove(&s.rel);
                    again.push((i, s));
                }
                Err(e) => {
                    tracing::error!(error = %e, "index insert failed");
                    self.spool.remove(&s.rel);
                    results.push((i, StoreResult::fail(OUT_OF_RESOURCES, "index unavailable")));
                }
            }
        }
        let committed = txn.commit().await;
        drop(gate);
        if let Err(e) = committed {
            self.ids.clear();
            results.extend(self.give_up(inserted, &e.to_string()));
        } else {
            self.wake_workers(&seeds_all);
            results.extend(inserted.into_iter().map(|(i, _)| (i, StoreResult::ok())));
        }
        for (i, s) in again {
            let r =
                match index::find(&self.db, s.rq.clinic, &s.checked.attrs.sop_instance_uid).await {
                    Ok(Some(old)) => self.duplicate(&s.rq, &s.checked, old).await,
                    _ => StoreResult::fail(OUT_OF_RESOURCES, "index unavailable"),
                };
            results.push((i, r));
        }
        results
    }

    /// Nothing of `staged` is acknowledged: their files go, each answers out of resources.
    fn give_up(&self, staged: Vec<(usize, Staged)>, why: &str) -> Vec<(usize, StoreResult)> {
        tracing::error!(error = %why, "index transaction failed");
        staged
            .into_iter()
            .map(|(i, s)| {
                self.spool.remove(&s.rel);
                (i, StoreResult::fail(OUT_OF_RESOURCES, "index unavailable"))
            })
            .collect()
    }
}
