//! The `spool` command: `spool verify` checks the spool copies against the index.

use crate::commands::open_db;
use crate::config::Config;
use crate::db;
use crate::storage::Spool;
use anyhow::Context;

/// `passerelle spool verify`: one line per missing or damaged copy (instance id, SOP Instance
/// UID, spool path, fault), then a summary; an error (exit 1) if any.
pub async fn spool_verify(cfg: Config) -> anyhow::Result<()> {
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await.context("applying migrations")?;
    let spool_dir = cfg.server.data_dir.join("spool");
    let spool = Spool::open(&spool_dir)
        .with_context(|| format!("cannot open the spool in {}", spool_dir.display()))?;
    let report = crate::storage::verify::verify(&db, &spool).await?;
    for d in &report.damaged {
        let fault = d.fault.as_str();
        println!(
            "{}\t{}\t{}\t{fault}",
            d.instance_id, d.sop_instance_uid, d.spool_path
        );
    }
    println!(
        "{} spool copies checked, {} missing or damaged",
        report.checked,
        report.damaged.len()
    );
    if !report.damaged.is_empty() {
        anyhow::bail!(
            "spool copies missing or damaged (an identical resend from the sender repairs each)"
        );
    }
    Ok(())
}
