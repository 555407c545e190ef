//! Placing a draft rule among the stored ones, so the server and the browser's preview build
//! the same rule lists: the draft replaces the rule it edits, or goes at the end of its list.

use super::eval::Compiled;
use super::model::{Rule, RuleSet};
use super::preview::{PreviewRow, StudySample, preview};

/// A stored rule with its id and list (`clinic: None` is the global list), in order.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    pub id: i64,
    pub clinic: Option<i64>,
    pub rule: &'a Rule,
}

/// A rule being edited: where it goes and which stored rule it replaces, if any.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub rule: &'a Rule,
    pub clinic: Option<i64>,
    pub replaces: Option<i64>,
}

fn list(stored: &[Placed<'_>], clinic: Option<i64>, draft: Option<Draft<'_>>) -> Vec<Rule> {
    let draft = draft.filter(|d| d.clinic == clinic);
    let mut out = Vec::new();
    let mut placed = false;
    for p in stored.iter().filter(|p| p.clinic == clinic) {
        match draft {
            Some(d) if d.replaces == Some(p.id) => {
                out.push(d.rule.clone());
                placed = true;
            }
            _ => out.push(p.rule.clone()),
        }
    }
    if let (Some(d), false) = (draft, placed) {
        out.push(d.rule.clone());
    }
    out
}

/// The ordered rules evaluated for an instance received by `clinic`: that clinic's rules, then
/// the global ones, with the draft in place (see [`RuleSet::layered`]).
pub fn layered_with(stored: &[Placed<'_>], clinic: i64, draft: Option<Draft<'_>>) -> RuleSet {
    let own = list(stored, Some(clinic), draft);
    let global = list(stored, None, draft);
    RuleSet::layered(&own, &global)
}

/// The preview of a draft on sample studies grouped by clinic: for each, where it went with
/// the stored rules and where it would go with the draft in place.
pub fn preview_draft(
    stored: &[Placed<'_>],
    draft: Draft<'_>,
    samples: &[(i64, Vec<StudySample>)],
) -> Vec<PreviewRow> {
    samples
        .iter()
        .flat_map(|(clinic, group)| {
            let now = Compiled::from(&layered_with(stored, *clinic, None));
            let then = Compiled::from(&layered_with(stored, *clinic, Some(draft)));
            preview(&now, &then, group)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::model::{Action, Condition};

    fn rule(name: &str) -> Rule {
        Rule {
            name: name.into(),
            enabled: true,
            action: Action::Continue,
            fallback: false,
            destinations: vec!["d".into()],
            when: Condition::Always,
        }
    }

    #[test]
    fn draft_replaces_or_appends_in_its_list() {
        let (a, b, g) = (rule("a"), rule("b"), rule("g"));
        let stored = [
            Placed {
                id: 1,
                clinic: Some(7),
                rule: &a,
            },
            Placed {
                id: 2,
                clinic: Some(7),
                rule: &b,
            },
            Placed {
                id: 3,
                clinic: None,
                rule: &g,
            },
        ];
        let names = |s: RuleSet| s.rules.into_iter().map(|r| r.name).collect::<Vec<_>>();
        let x = rule("x");
        assert_eq!(names(layered_with(&stored, 7, None)), ["a", "b", "g"]);
        let edit = Draft {
            rule: &x,
            clinic: Some(7),
            replaces: Some(1),
        };
        assert_eq!(names(layered_with(&stored, 7, Some(edit))), ["x", "b", "g"]);
        let new_global = Draft {
            rule: &x,
            clinic: None,
            replaces: None,
        };
        assert_eq!(
            names(layered_with(&stored, 7, Some(new_global))),
            ["a", "b", "g", "x"]
        );
        // Another clinic's draft does not touch clinic 8's own list.
        assert_eq!(names(layered_with(&stored, 8, Some(edit))), ["g"]);
    }
}
