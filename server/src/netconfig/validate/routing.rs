//! Validation of destinations (the domain's `DestinationInput::validate`, secrets, PIA) and of
//! routing rules (the domain's rule validation against the file's destinations, the data
//! residency guard, unique names per list).

use super::Checker;
use crate::netconfig::desired::{DestSpec, RuleSpec};
use crate::netconfig::{ConfigFile, DestinationEntry};
use domain::destination::{
    AuthKind, DestinationError, DestinationInput, DestinationName, Transport,
};
use domain::routing::{Rule, residency_check, validate};
use domain::{Jurisdiction, PiaRecord, RetryPolicy};
use std::collections::{HashMap, HashSet};

/// Every problem `DestinationInput::validate` finds, with the field it is about. The domain
/// reports the first problem only, so each one found is patched and the input checked again.
fn input_problems(mut input: DestinationInput) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for _ in 0..8 {
        let Err(e) = input.validate() else { break };
        let field = match e {
            DestinationError::BadName => "name",
            DestinationError::BadUrl => "stow_url",
            DestinationError::BadConcurrency => "max_concurrency",
            DestinationError::BadTimeout => "timeout_seconds",
            DestinationError::BadRetry(_) => "retry",
            DestinationError::MissingUser => "auth_user",
        };
        out.push((field, e.to_string()));
        match e {
            DestinationError::BadName => break,
            DestinationError::BadUrl => input.stow_url = "http://checked.invalid".into(),
            DestinationError::BadConcurrency => input.max_concurrency = 1,
            DestinationError::BadTimeout => input.timeout_seconds = 1,
            DestinationError::BadRetry(_) => input.retry = RetryPolicy::default(),
            DestinationError::MissingUser => input.auth_user = "checked".into(),
        }
    }
    out
}

/// Whether `name` can be an environment variable name.
fn env_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The stored assessment of a destination.
fn stored_pia(d: &crate::db::routing_entities::destination::Model) -> Option<PiaRecord> {
    Some(PiaRecord {
        reference: d.pia_reference.clone()?,
        recorded_by: d.pia_recorded_by.clone().unwrap_or_default(),
        recorded_at: d.pia_recorded_at.unwrap_or_default(),
    })
}

impl Checker<'_> {
    pub(super) fn destinations(&mut self, file: &ConfigFile) -> Vec<DestSpec> {
        let nodes: HashSet<&str> = file.nodes.iter().map(|n| n.name.trim()).collect();
        let mut names = HashMap::new();
        let mut out = Vec::new();
        for (i, e) in file.destinations.iter().enumerate() {
            let before = self.problems.len();
            let spec = self.destination(i, e, &nodes, &mut names);
            if let Some(spec) = spec
                && self.problems.len() == before
            {
                out.push(spec);
            }
        }
        out
    }

    /// The destination's input as the domain validates it (every problem recorded); `None`
    /// when its name is invalid.
    fn input(
        &mut self,
        i: usize,
        e: &DestinationEntry,
        nodes: &HashSet<&str>,
        names: &mut HashMap<String, usize>,
    ) -> Option<DestinationInput> {
        let at = |field: &str| format!("destinations[{i}].{field}");
        let name = DestinationName::parse(&e.name)
            .map_err(|x| self.err(at("name"), x))
            .ok();
        if let Some(n) = &name {
            self.unique(names, n.to_string(), ("destinations", i, &at("name")));
        }
        if !nodes.contains(e.node.trim()) {
            let msg = format!("unknown node {:?} (not a node of the file)", e.node.trim());
            self.err(at("node"), msg);
        }
        let transport = Transport::parse(e.transport.trim());
        if transport.is_none() {
            let msg = format!("unknown value {:?} (one of: dimse, stow)", e.transport);
            self.err(at("transport"), msg);
        }
        let auth = AuthKind::parse(e.auth.trim());
        if auth.is_none() {
            let msg = format!("unknown value {:?} (one of: none, basic, bearer)", e.auth);
            self.err(at("auth"), msg);
        }
        let input = DestinationInput {
            name: name
                .clone()
                .or_else(|| DestinationName::parse("unnamed").ok())?,
            node_id: 0,
            transport: transport.unwrap_or_default(),
            stow_url: e.stow_url.trim().trim_end_matches('/').to_owned(),
            auth: auth.unwrap_or_default(),
            auth_user: e.auth_user.trim().to_owned(),
            secret: None,
            enabled: e.enabled,
            max_concurrency: e.max_concurrency,
            retry: e.retry.into(),
            timeout_seconds: e.timeout_seconds,
        };
        for (field, message) in input_problems(input.clone()) {
            self.err(at(field), message);
        }
        name.map(|_| input)
    }

    fn destination(
        &mut self,
        i: usize,
        e: &DestinationEntry,
        nodes: &HashSet<&str>,
        names: &mut HashMap<String, usize>,
    ) -> Option<DestSpec> {
        let input = self.input(i, e, nodes, names)?;
        let name = input.name.to_string();
        let path = format!("destinations[{i}].secret_env");
        let secret = self.secret(&path, e, &name, input.auth)?;
        let pia = match &e.pia {
            Some(p) if p.reference.trim().is_empty() => {
                let path = format!("destinations[{i}].pia.reference");
                self.err(path, "the assessment reference is empty");
                return None;
            }
            p => p.clone().map(PiaRecord::from),
        };
        let column = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Some(DestSpec {
            name,
            node: e.node.trim().to_owned(),
            kind: input.transport.as_str().to_owned(),
            stow_url: input.stow_url,
            auth_kind: input.auth.as_str().to_owned(),
            auth_user: input.auth_user,
            secret,
            enabled: e.enabled,
            paused: e.paused,
            max_concurrency: column(e.max_concurrency),
            retry_base_seconds: column(e.retry.base_seconds),
            retry_max_seconds: column(e.retry.max_seconds),
            retry_max_attempts: column(e.retry.max_attempts),
            timeout_seconds: column(e.timeout_seconds),
            pia,
        })
    }

    /// The secret to store: from the variable `secret_env` names, else the one stored for a
    /// destination of the same name; none without `secret_env`.
    fn secret(
        &mut self,
        path: &str,
        e: &DestinationEntry,
        name: &str,
        auth: AuthKind,
    ) -> Option<String> {
        let Some(var) = e.secret_env.as_deref().map(str::trim) else {
            return Some(String::new());
        };
        if !env_name_ok(var) {
            let msg = format!("{var:?} is not an environment variable name (A-Z, 0-9, _)");
            self.err(path, msg);
            return None;
        }
        if let Some(value) = (self.ctx.env)(var).filter(|v| !v.is_empty()) {
            return Some(value);
        }
        let stored = self.ctx.current.destination(name).map(|d| &d.auth_secret);
        match stored.filter(|s| !s.is_empty()) {
            Some(s) => Some(s.clone()),
            None if auth == AuthKind::None => Some(String::new()),
            None => {
                let msg = format!(
                    "environment variable {var} is not set and no secret is stored for \
                     destination {name:?}; {} authentication needs one: set {var}",
                    auth.as_str()
                );
                self.err(path, msg);
                None
            }
        }
    }

    pub(super) fn rules(&mut self, file: &ConfigFile) -> Vec<RuleSpec> {
        let known: HashSet<String> = file
            .destinations
            .iter()
            .filter_map(|d| DestinationName::parse(&d.name).ok())
            .map(String::from)
            .collect();
        let mut keys = HashMap::new();
        let mut next_position: HashMap<Option<i64>, i32> = HashMap::new();
        let mut out = Vec::new();
        for (i, e) in file.rules.iter().enumerate() {
            let clinic = match &e.clinic {
                None => Some(None),
                Some(code) => self.clinic(&format!("rules[{i}].clinic"), code).map(Some),
            };
            let rule = e.rule();
            if let Err(errors) = validate(&rule, &|n| known.contains(n)) {
                for err in errors {
                    self.problems.push(format!("rules[{i}].{err}"));
                }
            }
            if rule.enabled {
                self.residency(i, &rule, file);
            }
            let Some(clinic_id) = clinic else { continue };
            let list = e
                .clinic
                .as_deref()
                .map_or("global".into(), |c| c.trim().to_uppercase());
            let key = format!("{list} / {}", rule.name.trim());
            self.unique(&mut keys, key, ("rules", i, &format!("rules[{i}].name")));
            let position = next_position.entry(clinic_id).or_insert(0);
            out.push(RuleSpec {
                clinic_id,
                position: *position,
                rule,
            });
            *position += 1;
        }
        out
    }

    /// An enabled rule may send outside Quebec only to a destination with an assessment, in
    /// the file or stored.
    fn residency(&mut self, i: usize, rule: &Rule, file: &ConfigFile) {
        for (j, name) in rule.destinations.iter().enumerate() {
            let Some(d) = file.destinations.iter().find(|d| d.name.trim() == name) else {
                continue;
            };
            let node = file.nodes.iter().find(|n| n.name.trim() == d.node.trim());
            let Some(place) = node.and_then(|n| n.jurisdiction.trim().parse::<Jurisdiction>().ok())
            else {
                continue;
            };
            let pia = d.pia.clone().map(PiaRecord::from).or_else(|| {
                let stored = self.ctx.current.destination(name.trim());
                stored.and_then(stored_pia)
            });
            if let Err(e) = residency_check(place, pia.as_ref()) {
                let path = format!("rules[{i}].destinations[{j}]");
                self.err(path, format!("{name:?}: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_destination_problem_is_found() {
        let input = DestinationInput {
            name: DestinationName::parse("x").expect("name"),
            node_id: 0,
            transport: Transport::Stow,
            stow_url: "ftp://x".into(),
            auth: AuthKind::Basic,
            auth_user: String::new(),
            secret: None,
            enabled: true,
            max_concurrency: 0,
            retry: RetryPolicy {
                base_seconds: 0,
                max_seconds: 1,
                max_attempts: 1,
            },
            timeout_seconds: 0,
        };
        let fields: Vec<&str> = input_problems(input).into_iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            [
                "stow_url",
                "auth_user",
                "max_concurrency",
                "timeout_seconds",
                "retry"
            ]
        );
    }

    #[test]
    fn environment_variable_names() {
        assert!(env_name_ok("PASSERELLE_SECRET_VNA"));
        assert!(env_name_ok("_x1"));
        assert!(!env_name_ok("1X"));
        assert!(!env_name_ok("A-B"));
        assert!(!env_name_ok(""));
    }
}
