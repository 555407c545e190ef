//! The difference between the stored and the desired state, by natural key (AE title, node
//! name, destination name, rule list + name): what an import adds, changes and removes, as
//! shown by `--dry-run`, and the operations that apply it.

use super::current::{Current, StoredRule};
use super::desired::{AeSpec, Desired, DestSpec, NodeSpec, RuleSpec};
use crate::db::entities::{local_ae, remote_node};
use crate::db::routing_entities::destination;
use std::collections::HashMap;
use std::fmt;

/// A part of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    LocalAes,
    Nodes,
    Destinations,
    Rules,
    Hl7Facilities,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::LocalAes,
        Section::Nodes,
        Section::Destinations,
        Section::Rules,
        Section::Hl7Facilities,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::LocalAes => "local AE titles",
            Section::Nodes => "remote nodes",
            Section::Destinations => "destinations",
            Section::Rules => "routing rules",
            Section::Hl7Facilities => "HL7 facilities",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    /// What changed, one `field: before → after` each.
    Changed(Vec<String>),
    Removed,
}

/// One item added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub section: Section,
    /// The natural key as shown (`PASSERELLE`, `"VNA Montréal"`, `"CT to VNA" (DEMO)`).
    pub key: String,
    pub kind: ChangeKind,
}

/// Writes of one section: `(stored id or None to create, index in the desired section)`, and
/// the stored ids to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SectionOps {
    pub upserts: Vec<(Option<i64>, usize)>,
    pub deletes: Vec<i64>,
}

/// Everything an import writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ops {
    pub local_aes: SectionOps,
    pub nodes: SectionOps,
    pub destinations: SectionOps,
    pub rules: SectionOps,
    pub facilities: SectionOps,
    /// Renumbering of rules whose order did not change: `(rule id, position)`.
    pub positions: Vec<(i64, i32)>,
}

impl Ops {
    pub fn is_empty(&self) -> bool {
        [
            &self.local_aes,
            &self.nodes,
            &self.destinations,
            &self.rules,
            &self.facilities,
        ]
        .iter()
        .all(|s| s.upserts.is_empty() && s.deletes.is_empty())
            && self.positions.is_empty()
    }
}

/// The difference, and how to apply it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub(crate) ops: Ops,
}

impl Plan {
    /// Whether the file matches the stored state.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many items are added, changed and removed.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&ChangeKind) -> bool| self.changes.iter().filter(|c| f(&c.kind)).count();
        (
            count(|k| *k == ChangeKind::Added),
            count(|k| matches!(k, ChangeKind::Changed(_))),
            count(|k| *k == ChangeKind::Removed),
        )
    }

    /// Matches `desired` items with `stored` ones by key (the first stored one wins; other
    /// stored ones with the same key are removed) and records the changes.
    pub(super) fn sync<S, M>(
        &mut self,
        section: Section,
        (desired, desired_key): (&[S], impl Fn(&S) -> String),
        (stored, stored_key, id): (&[M], impl Fn(&M) -> String, impl Fn(&M) -> i64),
        details: impl Fn(&S, &M) -> Vec<String>,
    ) -> SectionOps {
        let mut by_key: HashMap<String, &M> = HashMap::new();
        for m in stored {
            by_key.entry(stored_key(m)).or_insert(m);
        }
        let mut ops = SectionOps::default();
        let mut matched = Vec::new();
        for (i, s) in desired.iter().enumerate() {
            let key = desired_key(s);
            let (kind, target) = match by_key.get(&key) {
                None => (Some(ChangeKind::Added), None),
                Some(m) => {
                    matched.push(id(m));
                    let d = details(s, m);
                    (
                        (!d.is_empty()).then_some(ChangeKind::Changed(d)),
                        Some(id(m)),
                    )
                }
            };
            if let Some(kind) = kind {
                self.changes.push(Change { section, key, kind });
                ops.upserts.push((target, i));
            }
        }
        for m in stored.iter().filter(|m| !matched.contains(&id(m))) {
            let (key, kind) = (stored_key(m), ChangeKind::Removed);
            self.changes.push(Change { section, key, kind });
            ops.deletes.push(id(m));
        }
        ops
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for section in Section::ALL {
            let mut items = self.changes.iter().filter(|c| c.section == section);
            let Some(first) = items.next() else { continue };
            writeln!(f, "{}:", section.title())?;
            for c in std::iter::once(first).chain(items) {
                match &c.kind {
                    ChangeKind::Added => writeln!(f, "  + added {}", c.key)?,
                    ChangeKind::Removed => writeln!(f, "  - removed {}", c.key)?,
                    ChangeKind::Changed(d) => {
                        writeln!(f, "  ~ changed {}: {}", c.key, d.join("; "))?
                    }
                }
            }
        }
        let (added, changed, removed) = self.counts();
        match self.changes.len() {
            0 => write!(f, "no changes"),
            n => write!(
                f,
                "{n} change{}: {added} added, {changed} changed, {removed} removed",
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}

/// `field: before → after` lines of the fields that differ.
#[derive(Default)]
pub(super) struct Details(pub Vec<String>);

impl Details {
    pub fn value<T: PartialEq + fmt::Display>(&mut self, field: &str, before: T, after: T) {
        if before != after {
            self.0.push(format!("{field}: {before} → {after}"));
        }
    }

    pub fn text(&mut self, field: &str, before: &str, after: &str) {
        if before != after {
            self.0.push(format!("{field}: {before:?} → {after:?}"));
        }
    }
}

fn port(p: Option<i32>) -> String {
    p.map_or_else(|| "none".into(), |p| p.to_string())
}

fn codes(cur: &Current, ids: &[i64]) -> String {
    let mut codes: Vec<&str> = ids.iter().map(|c| cur.clinic_code(*c)).collect();
    codes.sort_unstable();
    codes.join(", ")
}

fn quoted(name: &str) -> String {
    format!("{name:?}")
}

/// The difference between `desired` and the stored state.
pub(crate) fn plan(desired: &Desired, cur: &Current) -> Plan {
    let mut p = Plan::default();
    p.ops.local_aes = p.sync(
        Section::LocalAes,
        (&desired.local_aes, |s: &AeSpec| s.ae_title.clone()),
        (
            &cur.local_aes,
            |m: &local_ae::Model| m.ae_title.clone(),
            |m| m.id,
        ),
        |s, m| ae_details(cur, s, m),
    );
    p.ops.nodes = p.sync(
        Section::Nodes,
        (&desired.nodes, |s: &NodeSpec| quoted(&s.name)),
        (
            &cur.nodes,
            |m: &remote_node::Model| quoted(&m.name),
            |m| m.id,
        ),
        |s, m| node_details(cur, s, m),
    );
    p.ops.destinations = p.sync(
        Section::Destinations,
        (&desired.destinations, |s: &DestSpec| quoted(&s.name)),
        (
            &cur.destinations,
            |m: &destination::Model| quoted(&m.name),
            |m| m.id,
        ),
        |s, m| destination_details(cur, s, m),
    );
    let moves = super::diff_rules::moves(&desired.rules, &cur.rules);
    p.ops.rules = p.sync(
        Section::Rules,
        (&desired.rules, |s: &RuleSpec| {
            rule_key(cur, s.clinic_id, &s.rule.name)
        }),
        (
            &cur.rules,
            |m: &StoredRule| stored_rule_key(cur, m),
            |m| m.model.id,
        ),
        |s, m| super::diff_rules::details(s, m, &moves),
    );
    p.ops.positions = super::diff_rules::renumbering(&desired.rules, &cur.rules, &p.ops.rules);
    p.ops.facilities = super::facilities::plan(&mut p, &desired.facilities, cur);
    p
}

/// How a rule is named: `"CT to VNA" (DEMO)` or `"CT to VNA" (global)`.
pub(crate) fn rule_key(cur: &Current, clinic: Option<i64>, name: &str) -> String {
    format!("{:?} ({})", name.trim(), cur.list_label(clinic))
}

pub(crate) fn stored_rule_key(cur: &Current, r: &StoredRule) -> String {
    rule_key(cur, r.model.clinic_id, &r.rule.name)
}

fn ae_details(cur: &Current, s: &AeSpec, m: &local_ae::Model) -> Vec<String> {
    let mut d = Details::default();
    let clinic = |id| cur.clinic_code(id);
    d.value("clinic", clinic(m.clinic_id), clinic(s.clinic_id));
    d.value("enabled", m.enabled, s.enabled);
    d.value("caller_policy", &m.caller_policy, &s.caller_policy);
    let callers = |c: &str| format!("[{}]", c.replace('\\', ", "));
    d.value(
        "allowed_callers",
        callers(&m.allowed_callers),
        callers(&s.allowed_callers),
    );
    d.value("port", port(m.port), port(s.port));
    d.0
}

fn node_details(cur: &Current, s: &NodeSpec, m: &remote_node::Model) -> Vec<String> {
    let mut d = Details::default();
    d.text("ae_title", &m.ae_title, &s.ae_title);
    d.text("host", &m.host, &s.host);
    d.value("port", m.port, s.port);
    d.value("tls", m.tls, s.tls);
    d.value("role", &m.role, &s.role);
    d.value("jurisdiction", &m.jurisdiction, &s.jurisdiction);
    let stored = cur.node_clinics.get(&m.id).map_or(&[][..], Vec::as_slice);
    d.value("clinics", codes(cur, stored), codes(cur, &s.clinics));
    d.text("notes", &m.notes, &s.notes);
    d.0
}

fn destination_details(cur: &Current, s: &DestSpec, m: &destination::Model) -> Vec<String> {
    let mut d = Details::default();
    d.text("node", cur.node_name(m.node_id), &s.node);
    d.value("transport", &m.kind, &s.kind);
    d.text("stow_url", &m.stow_url, &s.stow_url);
    d.value("auth", &m.auth_kind, &s.auth_kind);
    d.text("auth_user", &m.auth_user, &s.auth_user);
    if m.auth_secret != s.secret {
        let what = match (m.auth_secret.is_empty(), s.secret.is_empty()) {
            (true, _) => "secret: set",
            (_, true) => "secret: removed",
            _ => "secret: replaced",
        };
        d.0.push(what.into());
    }
    d.value("enabled", m.enabled, s.enabled);
    d.value("paused", m.paused, s.paused);
    d.value("max_concurrency", m.max_concurrency, s.max_concurrency);
    d.value("timeout_seconds", m.timeout_seconds, s.timeout_seconds);
    let retry = |b: i32, x: i32, a: i32| format!("{b} s base, {x} s max, {a} attempts");
    d.value(
        "retry",
        retry(
            m.retry_base_seconds,
            m.retry_max_seconds,
            m.retry_max_attempts,
        ),
        retry(
            s.retry_base_seconds,
            s.retry_max_seconds,
            s.retry_max_attempts,
        ),
    );
    if let Some(pia) = &s.pia {
        let stored = (
            m.pia_reference.as_deref(),
            m.pia_recorded_by.as_deref(),
            m.pia_recorded_at,
        );
        let wanted = (
            Some(pia.reference.as_str()),
            Some(pia.recorded_by.as_str()),
            Some(pia.recorded_at),
        );
        if stored != wanted {
            let before = m.pia_reference.as_deref().unwrap_or("none");
            d.0.push(format!("pia: {before:?} → {:?}", pia.reference));
        }
    }
    d.0
}
