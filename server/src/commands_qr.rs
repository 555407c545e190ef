//! The `find` and `move` commands: DCMTK-like query / retrieve from the command line, straight to
//! a PACS (no clinic, no database), with keys given as `-k Keyword=Value`.

use crate::cli::{FindArgs, MoveArgs, QrCommon};
use crate::commands::parse_target;
use crate::dimse::qr::find::{FindLimits, FindSession};
use crate::dimse::qr::find_class;
use crate::dimse::qr::identifier;
use crate::dimse::qr::retrieve::{Progress, RetrieveTarget, retrieve_keys};
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

fn peer_and_model(common: &QrCommon) -> anyhow::Result<(Peer, AeTitle, InfoModel)> {
    let (ae, host, port) = parse_target(&common.target)?;
    let calling = AeTitle::parse(&common.aet).context("--aet")?;
    let model = if common.patient_root {
        InfoModel::PatientRoot
    } else {
        InfoModel::StudyRoot
    };
    let peer = Peer {
        ae_title: ae.to_string(),
        host: host.to_string(),
        port: port.get(),
    };
    Ok((peer, calling, model))
}

pub async fn find(args: FindArgs) -> anyhow::Result<()> {
    let (peer, calling, model) = peer_and_model(&args.common)?;
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

pub async fn move_(args: MoveArgs) -> anyhow::Result<()> {
    let (peer, calling, model) = peer_and_model(&args.common)?;
    let dest = AeTitle::parse(&args.dest).context("--dest")?;
    let keys = keys(&args.common)?;
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
