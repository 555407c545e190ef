//! Fetch-back from a STOW-RS destination by WADO-RS (PS3.18 §10.4.1): one request per instance
//! for the stored transfer syntax (`transfer-syntax=*`), with the destination's credentials.

use super::{Wanted, save};
use crate::queue::stow::{StowTarget, client, send_repeatable};
use crate::storage::{Spool, dataset_offset};
use dicom_object::meta::FileMetaTable;
use futures_util::StreamExt;
use multipart_rs::{MultipartReader, MultipartType};
use sea_orm::DatabaseConnection;
use std::time::Duration;

const ACCEPT: &str = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";

/// The first Part-10 file of a multipart/related answer.
async fn first_part(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()?
        .trim_matches('"')
        .to_owned();
    let mut reader = MultipartReader::<std::io::Error>::from_data_with_boundary_and_type(
        body,
        &boundary,
        MultipartType::Related,
    )
    .ok()?;
    let item = reader.next().await?.ok()?;
    Some(item.data.to_vec())
}

async fn one(t: &StowTarget, w: &Wanted, limit: Duration) -> Result<(String, Vec<u8>), String> {
    let url = format!(
        "{}/studies/{}/series/{}/instances/{}",
        t.base_url.trim_end_matches('/'),
        w.study_uid,
        w.series_uid,
        w.sop_uid
    );
    let res = send_repeatable(|| {
        t.auth
            .apply(client().get(&url).header("Accept", ACCEPT).timeout(limit))
    })
    .await
    .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("HTTP {}", res.status()));
    }
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    let file = first_part(&ct, &body)
        .await
        .ok_or("no DICOM part in the answer")?;
    let meta = FileMetaTable::from_reader(file.get(128..).ok_or("not a DICOM file")?)
        .map_err(|e| e.to_string())?;
    if meta.media_storage_sop_instance_uid() != w.sop_uid {
        return Err("the archive answered another instance".into());
    }
    let start = dataset_offset(&file).ok_or("not a DICOM file")?;
    Ok((meta.transfer_syntax().to_owned(), file[start..].to_vec()))
}

/// Returns the ids of the instances restored.
pub async fn fetch(
    db: &DatabaseConnection,
    spool: &Spool,
    t: &StowTarget,
    wanted: &[Wanted],
    limit: Duration,
) -> Vec<i64> {
    let mut restored = Vec::new();
    for w in wanted {
        match one(t, w, limit).await {
            Ok((ts, dataset)) => {
                if save(db, spool, w, &ts, dataset).await {
                    restored.push(w.id);
                }
            }
            Err(e) => tracing::warn!(error = %e, sop = %w.sop_uid, "WADO-RS fetch-back failed"),
        }
    }
    restored
}
