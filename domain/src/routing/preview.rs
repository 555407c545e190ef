//! Preview of a rule change: where sample studies go under the current rules and under a
//! draft, side by side (runs in the browser as well as on the server).

use super::eval::Compiled;
use super::facts::Facts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A recently received study, reduced to its routing facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudySample {
    pub study_uid: String,
    /// For display, e.g. patient, date and description.
    pub label: String,
    /// One per distinct series or instance.
    pub facts: Vec<Facts>,
}

/// Where one sample study goes before and after the change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub study_uid: String,
    pub label: String,
    /// Sorted union of the destinations of the study's facts under the current rules.
    pub before: Vec<String>,
    /// The same under the draft rules.
    pub after: Vec<String>,
    pub changed: bool,
}

/// One row per sample, in the samples' order.
pub fn preview(current: &Compiled, draft: &Compiled, samples: &[StudySample]) -> Vec<PreviewRow> {
    samples
        .iter()
        .map(|s| {
            let before = destinations(current, &s.facts);
            let after = destinations(draft, &s.facts);
            PreviewRow {
                study_uid: s.study_uid.clone(),
                label: s.label.clone(),
                changed: before != after,
                before,
                after,
            }
        })
        .collect()
}

fn destinations(rules: &Compiled, facts: &[Facts]) -> Vec<String> {
    let all: BTreeSet<String> = facts
        .iter()
        .flat_map(|f| rules.route(f).destinations)
        .collect();
    all.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::model::{Action, Condition, Field, Rule};

    fn rule(name: &str, modality: &str, dest: &str) -> Rule {
        Rule {
            name: name.into(),
            enabled: true,
            action: Action::Continue,
            fallback: false,
            destinations: vec![dest.into()],
            when: Condition::Equals {
                field: Field::Modality,
                value: modality.into(),
            },
        }
    }

    fn sample(uid: &str, modalities: &[&str]) -> StudySample {
        StudySample {
            study_uid: uid.into(),
            label: format!("study {uid}"),
            facts: modalities
                .iter()
                .map(|m| Facts {
                    modality: (*m).into(),
                    ..Facts::default()
                })
                .collect(),
        }
    }

    #[test]
    fn rows_show_changes() {
        let current = Compiled::new(&[rule("ct", "CT", "PACS"), rule("sr", "SR", "ARCHIVE")]);
        let draft = Compiled::new(&[
            rule("ct", "CT", "PACS"),
            rule("sr", "SR", "ARCHIVE"),
            rule("mr", "MR", "RESEARCH"),
        ]);
        let samples = [
            sample("1", &["CT", "SR"]),
            sample("2", &["MR"]),
            sample("3", &[]),
        ];
        let rows = preview(&current, &draft, &samples);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0].before,
            ["ARCHIVE", "PACS"],
            "sorted union over series"
        );
        assert_eq!(rows[0].after, rows[0].before);
        assert!(!rows[0].changed);
        assert_eq!(rows[1].before, Vec::<String>::new());
        assert_eq!(rows[1].after, ["RESEARCH"]);
        assert!(rows[1].changed);
        assert_eq!(
            (rows[2].changed, rows[2].label.as_str()),
            (false, "study 3")
        );
        let json = serde_json::to_string(&rows[1]).expect("json");
        let back: PreviewRow = serde_json::from_str(&json).expect("json");
        assert_eq!(back, rows[1]);
    }
}
