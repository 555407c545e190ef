//! Matching on the index (PS3.4 §C.2.2.2): single value (case-insensitive for names and
//! descriptions), wildcards `*` `?` (SQL LIKE, escaped), date ranges, UID lists, a modality
//! among a study's modalities, and fuzzy matching on person names (a name component starting
//! with the value). The caller's clinics bound every query.

use super::{Attr, QueryError};
use crate::db::index_entities::{instance, patient, series, study};
use domain::Scope;
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, Query as Sql, SimpleExpr,
};

/// The index column an attribute is matched on.
fn column(a: Attr) -> sea_orm::sea_query::ColumnRef {
    match a {
        Attr::PatientName => (patient::Entity, patient::Column::Name).into_column_ref(),
        Attr::PatientId => (patient::Entity, patient::Column::PatientKey).into_column_ref(),
        Attr::BirthDate => (patient::Entity, patient::Column::BirthDate).into_column_ref(),
        Attr::Sex => (patient::Entity, patient::Column::Sex).into_column_ref(),
        Attr::StudyDate => (study::Entity, study::Column::StudyDate).into_column_ref(),
        Attr::Accession => (study::Entity, study::Column::Accession).into_column_ref(),
        Attr::ModalitiesInStudy => (study::Entity, study::Column::Modalities).into_column_ref(),
        Attr::StudyUid => (study::Entity, study::Column::StudyUid).into_column_ref(),
        Attr::ReferringPhysician => {
            (study::Entity, study::Column::ReferringPhysician).into_column_ref()
        }
        Attr::StudyDescription => (study::Entity, study::Column::Description).into_column_ref(),
        Attr::Modality => (series::Entity, series::Column::Modality).into_column_ref(),
        Attr::SeriesUid => (series::Entity, series::Column::SeriesUid).into_column_ref(),
        Attr::SeriesNumber => (series::Entity, series::Column::Number).into_column_ref(),
        Attr::SeriesDescription => (series::Entity, series::Column::Description).into_column_ref(),
        Attr::BodyPart => (series::Entity, series::Column::BodyPart).into_column_ref(),
        Attr::SopClass => (instance::Entity, instance::Column::SopClassUid).into_column_ref(),
        Attr::SopInstance => (instance::Entity, instance::Column::SopInstanceUid).into_column_ref(),
        Attr::InstanceNumber => {
            (instance::Entity, instance::Column::InstanceNumber).into_column_ref()
        }
    }
}

/// The query level an attribute belongs to: 0 study (with patient), 1 series, 2 instance.
pub fn depth(a: Attr) -> u8 {
    match a {
        Attr::Modality
        | Attr::SeriesUid
        | Attr::SeriesNumber
        | Attr::SeriesDescription
        | Attr::BodyPart => 1,
        Attr::SopClass | Attr::SopInstance | Attr::InstanceNumber => 2,
        _ => 0,
    }
}

/// LIKE pattern of a DICOM wildcard value, `!` escaping SQL's own wildcards.
fn like_pattern(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '*' => "%".to_owned(),
            '?' => "_".to_owned(),
            '%' | '_' | '!' => format!("!{c}"),
            c => c.to_string(),
        })
        .collect()
}

fn lower(col: sea_orm::sea_query::ColumnRef) -> SimpleExpr {
    Func::lower(Expr::col(col)).into()
}

fn like(col: sea_orm::sea_query::ColumnRef, pattern: String) -> SimpleExpr {
    lower(col).like(LikeExpr::new(pattern.to_lowercase()).escape('!'))
}

fn is_caseless(a: Attr) -> bool {
    matches!(
        a,
        Attr::PatientName
            | Attr::ReferringPhysician
            | Attr::StudyDescription
            | Attr::SeriesDescription
    )
}

/// The SQL condition of one matching key.
pub fn condition(a: Attr, v: &str, fuzzy: bool) -> Result<SimpleExpr, QueryError> {
    let col = column(a);
    let wild = v.contains(['*', '?']);
    Ok(match a {
        Attr::StudyDate | Attr::BirthDate => {
            let (from, to) = date_range(v)?;
            let mut c = Condition::all();
            if let Some(f) = from {
                c = c.add(Expr::col(col.clone()).gte(f));
            }
            if let Some(t) = to {
                c = c.add(Expr::col(col).lte(t));
            }
            c.into()
        }
        // An exact Patient ID finds the patient rows first, then their studies by index.
        Attr::PatientId if !wild => Expr::col((study::Entity, study::Column::PatientId))
            .in_subquery(
                Sql::select()
                    .column(patient::Column::Id)
                    .from(patient::Entity)
                    .and_where(Expr::col(patient::Column::PatientKey).eq(v))
                    .to_owned(),
            ),
        Attr::StudyUid | Attr::SeriesUid | Attr::SopInstance | Attr::SopClass => {
            Expr::col(col).is_in(uid_list(v)?)
        }
        Attr::ModalitiesInStudy => {
            let mut c = Condition::any();
            for m in v
                .split([',', '\\'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
            {
                let e = like_pattern(m);
                c = c
                    .add(Expr::col(col.clone()).eq(m))
                    .add(like(col.clone(), format!("{e}\\%")))
                    .add(like(col.clone(), format!("%\\{e}")))
                    .add(like(col.clone(), format!("%\\{e}\\%")));
            }
            c.into()
        }
        _ if fuzzy && a == Attr::PatientName && !wild => {
            let e = like_pattern(v);
            Condition::any()
                .add(like(col.clone(), format!("{e}%")))
                .add(like(col.clone(), format!("%^{e}%")))
                .add(like(col, format!("% {e}%")))
                .into()
        }
        _ if wild => like(col, like_pattern(v)),
        _ if is_caseless(a) => lower(col).eq(v.to_lowercase()),
        _ => Expr::col(col).eq(v),
    })
}

fn bad(why: String) -> QueryError {
    QueryError::Key(why)
}

/// A DA matching value: `D`, `D1-D2`, `D1-`, `-D2` (PS3.4 §C.2.2.2.5) → inclusive bounds.
pub fn date_range(v: &str) -> Result<(Option<String>, Option<String>), QueryError> {
    let v = v.trim();
    let ok = |d: &str| d.is_empty() || domain::query::is_date(d);
    let (from, to) = match v.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (v, v),
    };
    if !ok(from) || !ok(to) || (from.is_empty() && to.is_empty()) {
        return Err(bad(format!(
            "{v:?} is not a date or date range (YYYYMMDD[-YYYYMMDD])"
        )));
    }
    let some = |d: &str| (!d.is_empty()).then(|| d.to_owned());
    Ok((some(from), some(to)))
}

/// A UID list matching value (comma or backslash separated, PS3.18 §8.3.4.1, PS3.4 §C.2.2.2.2).
pub fn uid_list(v: &str) -> Result<Vec<String>, QueryError> {
    let uids: Vec<String> = v
        .split([',', '\\'])
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    match uids.iter().find(|u| !domain::query::is_uid(u)) {
        Some(b) => Err(bad(format!("{b:?} is not a UID"))),
        None => Ok(uids),
    }
}

/// Only the clinics in scope.
pub fn scoped(scope: &Scope) -> Condition {
    match scope.clinic_ids() {
        None => Condition::all(),
        Some(ids) => {
            Condition::all().add(Expr::col((study::Entity, study::Column::ClinicId)).is_in(ids))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(like_pattern("DO?_50%*"), "DO_!_50!%%");
    }

    #[test]
    fn dates_and_uids_are_checked() {
        assert!(date_range("2024").is_err() && date_range("-").is_err());
        assert_eq!(
            date_range("-20240101").expect("ok"),
            (None, Some("20240101".into()))
        );
        assert!(uid_list("1.2,1.x").is_err());
        assert_eq!(uid_list("1.2\\1.3").expect("ok").len(), 2);
    }
}
