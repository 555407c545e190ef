//! The rule part of the difference: what changed in a rule, which rules moved within their
//! list, and the silent renumbering of rules whose order did not change.

use super::current::StoredRule;
use super::desired::RuleSpec;
use super::diff::{Details, SectionOps};
use domain::routing::Action;
use std::collections::{BTreeSet, HashMap};

/// Rules whose place among the kept rules of their list changed: stored id → (stored place,
/// place in the file), both counted from 1 in the whole list.
pub(crate) type Moves = HashMap<i64, (usize, usize)>;

/// The first stored rule of each (list, trimmed name).
fn by_key(stored: &[StoredRule]) -> HashMap<(Option<i64>, &str), &StoredRule> {
    let mut map = HashMap::new();
    for r in stored {
        map.entry((r.model.clinic_id, r.rule.name.trim()))
            .or_insert(r);
    }
    map
}

pub(crate) fn moves(desired: &[RuleSpec], stored: &[StoredRule]) -> Moves {
    let keys = by_key(stored);
    let lists: BTreeSet<Option<i64>> = desired
        .iter()
        .map(|r| r.clinic_id)
        .chain(stored.iter().map(|r| r.model.clinic_id))
        .collect();
    let mut out = Moves::new();
    for list in lists {
        let stored_list: Vec<i64> = stored
            .iter()
            .filter(|r| r.model.clinic_id == list)
            .map(|r| r.model.id)
            .collect();
        let file_list: Vec<Option<i64>> = desired
            .iter()
            .filter(|r| r.clinic_id == list)
            .map(|r| keys.get(&r.key()).map(|m| m.model.id))
            .collect();
        let kept_file: Vec<i64> = file_list.iter().flatten().copied().collect();
        let kept_stored = stored_list.iter().filter(|id| kept_file.contains(id));
        for (k, (id, was)) in kept_file.iter().zip(kept_stored).enumerate() {
            if id == was {
                continue;
            }
            let before = stored_list.iter().position(|x| x == id).unwrap_or(k) + 1;
            let after = file_list.iter().position(|x| *x == Some(*id)).unwrap_or(k) + 1;
            out.insert(*id, (before, after));
        }
    }
    out
}

/// What differs between a stored rule and the file's.
pub(crate) fn details(s: &RuleSpec, m: &StoredRule, moves: &Moves) -> Vec<String> {
    let (new, old) = (&s.rule, &m.rule);
    let mut d = Details::default();
    d.text("name", &old.name, &new.name);
    d.value("enabled", old.enabled, new.enabled);
    let action = |a: Action| format!("{a:?}").to_lowercase();
    d.value("action", action(old.action), action(new.action));
    d.value("fallback", old.fallback, new.fallback);
    let list = |v: &[String]| format!("[{}]", v.join(", "));
    d.value(
        "destinations",
        list(&old.destinations),
        list(&new.destinations),
    );
    if old.when != new.when {
        d.0.push("when: conditions changed".into());
    }
    if let Some((before, after)) = moves.get(&m.model.id) {
        d.0.push(format!("position: {before} → {after}"));
    }
    d.0
}

/// `(rule id, position)` for matched rules that are not rewritten but whose stored position
/// is not their place in the file (after removals or earlier edits).
pub(crate) fn renumbering(
    desired: &[RuleSpec],
    stored: &[StoredRule],
    ops: &SectionOps,
) -> Vec<(i64, i32)> {
    let keys = by_key(stored);
    desired
        .iter()
        .filter_map(|s| {
            let m = keys.get(&s.key())?;
            let rewritten = ops.upserts.iter().any(|(id, _)| *id == Some(m.model.id));
            (!rewritten && m.model.position != s.position).then_some((m.model.id, s.position))
        })
        .collect()
}
