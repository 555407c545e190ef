//! The `find` and `move` commands: DCMTK-like query / retrieve from the command line, straight to
//! a PACS (no clinic, no database), with keys given as `-k Keyword=Value`.

use crate::cli::{FindArgs, MoveArgs, QrCommon};
use crate::commands::target_peer;
use crate::config::Config;
use crate::dimse::qr::find::{FindLimits, FindSession};
use crate::dimse::qr::find_class;
use crate::dimse::qr::identifier;
use crate::dimse::qr::retrieve::{Outcome, Progress, RetrieveTarget, retrieve_keys};
use crate::dimse::scu::Peer;
use anyhow::{Context, bail};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_dictionary_std::StandardDataDictionary;
use domain::AeTitle;
use domain::query::{InfoModel, Key, MoveStatus};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// `Keyword=Value` or `gggg,eeee=Value` → a key with the dictionary's VR.
fn parse_key(raw: &str) -> anyhow::Result<Key> {
    let (name, value) = raw.split_once('=').unwrap_or((raw, ""));
    let entry = StandardDataDictionary
        .by_expr(name.trim())
        .with_context(|| format!("unknown attribute {name:?}"))?;
    let tag = entry.tag_range().inner();
    let vr = entry.vr().relaxed();
    Ok(Key {
        tag: (u32::from(tag.group()) << 16) | u32::from(tag.element()),
        vr: vr.to_string(),
        value: value.trim().to_owned(),
    })
}

fn keys(common: &QrCommon) -> anyhow::Result<Vec<Key>> {
    let mut keys: Vec<Key> = common
        .keys
        .iter()
        .map(|k| parse_key(k))
        .collect::<Result<_, _>>()?;
    if !keys.iter().any(|k| k.tag == 0x0008_0052) {
        keys.insert(
            0,
            Key {
                tag: 0x0008_0052,
                vr: "CS",
                value: "STUDY".into(),
            },
        );
    }
    Ok(keys)
}

fn peer_and_model(cfg: &Config, common: &QrCommon) -> anyhow::Result<(Peer, AeTitle, InfoModel)> {
    let peer = target_peer(cfg, &common.target, common.tls)?;
    let calling = AeTitle::parse(&common.aet).context("--aet")?;
    let model = if common.patient_root {
        InfoModel::PatientRoot
    } else {
        InfoModel::StudyRoot
    };
    Ok((peer, calling, model))
}

pub async fn find(cfg: Config, args: FindArgs) -> anyhow::Result<()> {
    let (peer, calling, model) = peer_and_model(&cfg, &args.common)?;
    let keys = keys(&args.common)?;
    let limits = FindLimits {
        timeout: Duration::from_secs(args.common.timeout),
        max_results: args.max_results,
    };
    let mut s = FindSession::open(calling.as_str(), &peer, model, limits)
        .await
        .with_context(|| format!("C-FIND to {}", args.common.target))?;
    let found = s.find(find_class(model), &keys).await;
    s.close().await;
    let (outcome, count) = match &found {
        Ok(f) => ("success", Some(f.rows.len())),
        Err(_) => ("failure", None),
    };
    audit_cli(&cfg, "query", &args.common.target, &keys, outcome, count).await;
    let found = found.with_context(|| format!("C-FIND to {}", args.common.target))?;
    for (i, row) in found.rows.iter().enumerate() {
        println!("# answer {}", i + 1);
        for k in &keys {
            let tag = dicom_core::Tag((k.tag >> 16) as u16, (k.tag & 0xFFFF) as u16);
            let name = StandardDataDictionary
                .by_tag(tag)
                .map(|e| e.alias())
                .unwrap_or("?");
            println!("{name}={}", identifier::text(row, tag));
        }
    }
    eprintln!(
        "{} answer(s){}",
        found.rows.len(),
        if found.truncated {
            " (truncated: C-CANCEL sent)"
        } else {
            ""
        }
    );
    Ok(())
}

pub async fn move_(cfg: Config, args: MoveArgs) -> anyhow::Result<()> {
    let (peer, calling, model) = peer_and_model(&cfg, &args.common)?;
    let dest = AeTitle::parse(&args.dest).context("--dest")?;
    let keys = keys(&args.common)?;
    let (progress, printer) = progress_printer();
    let target = RetrieveTarget::Move {
        destination: dest.to_string(),
    };
    let limit = Duration::from_secs(args.common.timeout);
    let outcome = retrieve_keys(
        calling.as_str(),
        &peer,
        model,
        &keys,
        target,
        &progress,
        limit,
    )
    .await
    .with_context(|| format!("C-MOVE from {}", args.common.target));
    drop(progress);
    let _ = printer.await;
    let (result, count) = audit_outcome(&outcome);
    let mut audited = keys.clone();
    audited.push(Key {
        tag: 0x0000_0600,
        vr: "AE",
        value: dest.to_string(),
    });
    audit_cli(
        &cfg,
        "retrieve",
        &args.common.target,
        &audited,
        result,
        count.map(|c| c as usize),
    )
    .await;
    let o = outcome?;
    let s = o.subops;
    println!(
        "C-MOVE status {:#06x}: {} completed, {} failed, {} warning",
        o.code, s.completed, s.failed, s.warning
    );
    match o.status {
        MoveStatus::Success if s.failed == 0 => Ok(()),
        MoveStatus::Failure(why) => bail!("{why}"),
        _ => bail!("the move did not complete"),
    }
}

/// Progress of a retrieve, printed on standard error as the PACS reports it.
fn progress_printer() -> (Progress, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = tokio::sync::watch::channel(Default::default());
    let progress = Progress {
        subops: tx,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let printer = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let s: domain::query::SubOps = *rx.borrow();
            eprintln!(
                "completed {} failed {} warning {} remaining {}",
                s.completed,
                s.failed,
                s.warning,
                s.remaining.map_or("?".into(), |r| r.to_string())
            );
        }
    });
    (progress, printer)
}

/// The audit outcome of a C-MOVE and how many instances it moved.
fn audit_outcome<E>(outcome: &Result<Outcome, E>) -> (&'static str, Option<u32>) {
    match outcome {
        Ok(o) if o.status == MoveStatus::Success && o.subops.failed == 0 => {
            ("completed", Some(o.subops.completed))
        }
        Ok(o) => ("failed", Some(o.subops.completed)),
        Err(_) => ("failed", None),
    }
}

/// Records a command-line query or retrieve in the audit trail of the configured database
/// (actor `cli:$USER`), or says why it could not.
async fn audit_cli(
    cfg: &Config,
    action: &str,
    target: &str,
    keys: &[Key],
    outcome: &str,
    count: Option<usize>,
) {
    let url = cfg.database_url();
    if url.starts_with("sqlite:") && !cfg.server.data_dir.join("passerelle.db").exists() {
        eprintln!(
            "note: no Passerelle database in {}; not recorded in the audit trail",
            cfg.server.data_dir.display()
        );
        return;
    }
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| serde_json::json!({ "tag": format!("{:04X},{:04X}", k.tag >> 16, k.tag & 0xFFFF), "value": k.value }))
        .collect();
    let record = crate::db::audit::Record {
        actor: &actor,
        clinic_id: None,
        action,
        node_id: None,
        detail: serde_json::json!({ "via": "cli", "target": target, "keys": keys }),
        outcome,
        result_count: count,
    };
    let result = match crate::db::connect(&url, 1).await {
        Ok(db) => crate::db::audit::record(&db, record)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = result {
        eprintln!("note: not recorded in the audit trail: {e}");
    }
}
