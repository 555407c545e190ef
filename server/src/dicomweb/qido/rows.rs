//! The three QIDO-RS levels read from the index (`db::index_query`) and turned into DICOM JSON
//! with the default return attributes of PS3.18 §10.6.3.3.

use super::params::Params;
use crate::db::index_query::{self as iq, Within};
use crate::dicomweb::DwError;
use crate::dicomweb::json::Dataset;
use domain::Scope;
use sea_orm::DatabaseConnection;

pub struct Query<'a> {
    pub scope: &'a Scope,
    pub params: &'a Params,
    pub within: Within,
    pub limit: u64,
    pub offset: u64,
}

impl Query<'_> {
    fn index(&self) -> iq::Query<'_> {
        iq::Query {
            scope: self.scope,
            matches: &self.params.matches,
            fuzzy: self.params.fuzzy,
            within: self.within.clone(),
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// PS3.18 Table 6.7.1-2 / -2a / -2b: what every answer carries at each level.
pub fn defaults(level: u8) -> &'static [u32] {
    match level {
        0 => &[
            0x0008_0005,
            0x0008_0020,
            0x0008_0030,
            0x0008_0050,
            0x0008_0056,
            0x0008_0061,
            0x0008_0090,
            0x0008_1190,
            0x0010_0010,
            0x0010_0020,
            0x0010_0030,
            0x0010_0040,
            0x0020_000D,
            0x0020_0010,
            0x0020_1206,
            0x0020_1208,
        ],
        1 => &[
            0x0008_0005,
            0x0008_0060,
            0x0008_103E,
            0x0008_1190,
            0x0020_000D,
            0x0020_000E,
            0x0020_0011,
            0x0020_1209,
        ],
        _ => &[
            0x0008_0005,
            0x0008_0016,
            0x0008_0018,
            0x0008_0056,
            0x0008_1190,
            0x0008_3002,
            0x0020_000D,
            0x0020_000E,
            0x0020_0013,
        ],
    }
}

pub async fn studies(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
    let rows = iq::studies(db, &q.index()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0020, "DA", &r.study_date)
                .text(0x0008_0030, "TM", &r.study_time)
                .text(0x0008_0050, "SH", &r.accession)
                .text(0x0008_0056, "CS", "ONLINE")
                .multi(0x0008_0061, "CS", &r.modalities)
                .person(0x0008_0090, &r.referring_physician)
                .text(0x0008_1030, "LO", &r.description)
                .text(
                    0x0008_1190,
                    "UR",
                    &format!("{base}/studies/{}", r.study_uid),
                )
                .person(0x0010_0010, &r.patient_name)
                .text(0x0010_0020, "LO", &r.patient_key)
                .text(0x0010_0030, "DA", &r.birth_date)
                .text(0x0010_0040, "CS", &r.sex)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_0010, "SH", "")
                .int(0x0020_1206, Some(r.series_count))
                .int(0x0020_1208, Some(r.instance_count));
            d
        })
        .collect())
}

pub async fn series(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
    let rows = iq::series(db, &q.index()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0060, "CS", &r.modality)
                .text(0x0008_103E, "LO", &r.description)
                .text(
                    0x0008_1190,
                    "UR",
                    &format!("{base}/studies/{}/series/{}", r.study_uid, r.series_uid),
                )
                .text(0x0018_0015, "CS", &r.body_part)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_000E, "UI", &r.series_uid)
                .int(0x0020_0011, r.number.trim().parse().ok())
                .int(0x0020_1209, Some(r.instance_count));
            d
        })
        .collect())
}

pub async fn instances(
    db: &DatabaseConnection,
    q: &Query<'_>,
    base: &str,
) -> Result<Vec<Dataset>, DwError> {
    let rows = iq::instances(db, &q.index()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let url = format!(
                "{base}/studies/{}/series/{}/instances/{}",
                r.study_uid, r.series_uid, r.sop_instance_uid
            );
            let mut d = Dataset::default();
            d.text(0x0008_0005, "CS", "ISO_IR 192")
                .text(0x0008_0016, "UI", &r.sop_class_uid)
                .text(0x0008_0018, "UI", &r.sop_instance_uid)
                .text(0x0008_0056, "CS", "ONLINE")
                .text(0x0008_1190, "UR", &url)
                .text(0x0008_3002, "UI", &r.transfer_syntax)
                .text(0x0020_000D, "UI", &r.study_uid)
                .text(0x0020_000E, "UI", &r.series_uid)
                .int(0x0020_0013, r.instance_number.trim().parse().ok());
            d
        })
        .collect())
}

/// 404 unless the study (and the series in it) exists in one of the caller's clinics.
pub async fn visible(
    db: &DatabaseConnection,
    scope: &Scope,
    study_uid: &str,
    series_uid: Option<&str>,
) -> Result<(), DwError> {
    if iq::visible(db, scope, study_uid, series_uid).await? {
        Ok(())
    } else {
        Err(DwError::NotFound)
    }
}
