//! Validation of a whole file against the stored state, network part (local AE titles, remote
//! nodes, removals that forward jobs forbid): every problem with its location, or the desired
//! state. Destinations and rules are checked in `validate/routing.rs`.

use super::current::Current;
use super::desired::{AeSpec, Desired, NodeSpec};
use super::{ConfigFile, FORMAT_VERSION, LocalAeEntry, NetConfigError, NodeEntry};
use domain::{AeTitle, CallerPolicy, ClinicCode, Host, Jurisdiction, NodeRole, Port};
use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::str::FromStr;

mod routing;

/// Longest node name, in characters (the column holds 128).
const MAX_NODE_NAME: usize = 128;

/// What validation consults besides the file.
pub struct Context<'a> {
    pub current: &'a Current,
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub reserved_ports: &'a [u16],
}

/// Every problem of `file`, or its desired state.
pub fn check(file: &ConfigFile, ctx: &Context<'_>) -> Result<Desired, NetConfigError> {
    let mut c = Checker {
        ctx,
        problems: Vec::new(),
    };
    if file.version != FORMAT_VERSION {
        c.err(
            "version",
            format!(
                "this Passerelle reads version {FORMAT_VERSION}, not {}",
                file.version
            ),
        );
    }
    let desired = Desired {
        local_aes: c.local_aes(&file.local_aes),
        nodes: c.nodes(&file.nodes),
        destinations: c.destinations(file),
        rules: c.rules(file),
        facilities: super::facilities::check(&file.hl7_facilities, ctx.current, &mut c.problems),
    };
    c.removals(file);
    if c.problems.is_empty() {
        Ok(desired)
    } else {
        Err(NetConfigError::Invalid(c.problems))
    }
}

/// Collects problems as `path: message`.
struct Checker<'a> {
    ctx: &'a Context<'a>,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn err(&mut self, path: impl Display, message: impl Display) {
        self.problems.push(format!("{path}: {message}"));
    }

    /// Records `key` as seen at `section[i]`, or a problem if it was already.
    fn unique<K: std::hash::Hash + Eq + std::fmt::Debug>(
        &mut self,
        seen: &mut HashMap<K, usize>,
        key: K,
        (section, i, path): (&str, usize, &str),
    ) {
        if let Some(first) = seen.get(&key) {
            self.err(
                path,
                format!("duplicate {key:?} (already {section}[{first}])"),
            );
        } else {
            seen.insert(key, i);
        }
    }

    fn ae_title(&mut self, path: &str, raw: &str) -> Option<AeTitle> {
        AeTitle::parse(raw).map_err(|e| self.err(path, e)).ok()
    }

    fn port(&mut self, path: &str, raw: i64) -> Option<Port> {
        let port = u32::try_from(raw).ok().and_then(|p| Port::new(p).ok());
        if port.is_none() {
            self.err(path, domain::NetworkError::Port);
        }
        port
    }

    /// One of the values of a string enum (`all` lists them in the message).
    fn choice<T: FromStr + Display>(&mut self, path: &str, raw: &str, all: &[T]) -> Option<T> {
        let parsed = raw.trim().parse::<T>().ok();
        if parsed.is_none() {
            let known: Vec<String> = all.iter().map(ToString::to_string).collect();
            self.err(
                path,
                format!("unknown value {raw:?} (one of: {})", known.join(", ")),
            );
        }
        parsed
    }

    /// The id of the clinic with code `raw`; clinics are never created by an import.
    fn clinic(&mut self, path: &str, raw: &str) -> Option<i64> {
        let code = ClinicCode::parse(raw).map_err(|e| self.err(path, e)).ok()?;
        let id = self.ctx.current.clinic_id(code.as_str());
        if id.is_none() {
            let known: Vec<&str> = self
                .ctx
                .current
                .clinics
                .iter()
                .map(|c| c.code.as_str())
                .collect();
            self.err(
                path,
                format!(
                    "unknown clinic code {:?} (an import does not create clinics; known: {})",
                    code.as_str(),
                    known.join(", ")
                ),
            );
        }
        id
    }

    fn local_aes(&mut self, entries: &[LocalAeEntry]) -> Vec<AeSpec> {
        let mut titles = HashMap::new();
        let mut ports = HashMap::new();
        let mut out = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let at = |field: &str| format!("local_aes[{i}].{field}");
            let ae = self.ae_title(&at("ae_title"), &e.ae_title);
            if let Some(ae) = &ae {
                self.unique(
                    &mut titles,
                    ae.to_string(),
                    ("local_aes", i, &at("ae_title")),
                );
            }
            let clinic = self.clinic(&at("clinic"), &e.clinic);
            let policy = self.choice(&at("caller_policy"), &e.caller_policy, CallerPolicy::ALL);
            let callers = self.callers(&at("allowed_callers"), &e.allowed_callers);
            let port = match e.port {
                None => Some(None),
                Some(raw) => self.local_port(&at("port"), raw, &mut ports, i).map(Some),
            };
            if let (Some(ae), Some(clinic_id), Some(policy), Some(callers), Some(port)) =
                (ae, clinic, policy, callers, port)
            {
                out.push(AeSpec {
                    ae_title: ae.to_string(),
                    clinic_id,
                    enabled: e.enabled,
                    caller_policy: policy.as_str().to_owned(),
                    allowed_callers: callers.join("\\"),
                    port: port.map(|p| i32::from(p.get())),
                });
            }
        }
        out
    }

    fn callers(&mut self, path: &str, raw: &[String]) -> Option<Vec<String>> {
        let before = self.problems.len();
        let mut out: Vec<String> = Vec::new();
        for (j, c) in raw.iter().enumerate() {
            if let Some(ae) = self.ae_title(&format!("{path}[{j}]"), c)
                && !out.contains(&ae.to_string())
            {
                out.push(ae.to_string());
            }
        }
        (self.problems.len() == before).then_some(out)
    }

    fn local_port(
        &mut self,
        path: &str,
        raw: i64,
        seen: &mut HashMap<u16, usize>,
        i: usize,
    ) -> Option<Port> {
        let port = self.port(path, raw)?;
        if self.ctx.reserved_ports.contains(&port.get()) {
            self.err(path, "this port is already Passerelle's DICOM or web port");
            return None;
        }
        self.unique(seen, port.get(), ("local_aes", i, path));
        Some(port)
    }

    fn nodes(&mut self, entries: &[NodeEntry]) -> Vec<NodeSpec> {
        let mut names = HashMap::new();
        let mut out = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let at = |field: &str| format!("nodes[{i}].{field}");
            let before = self.problems.len();
            let name = e.name.trim();
            if name.is_empty()
                || name.chars().count() > MAX_NODE_NAME
                || name.chars().any(char::is_control)
            {
                self.err(at("name"), "a node name is 1 to 128 printable characters");
            } else {
                self.unique(&mut names, name.to_owned(), ("nodes", i, &at("name")));
            }
            let ae = self.ae_title(&at("ae_title"), &e.ae_title);
            let host = Host::parse(&e.host)
                .map_err(|x| self.err(at("host"), x))
                .ok();
            let port = self.port(&at("port"), e.port);
            let role = self.choice(&at("role"), &e.role, NodeRole::ALL);
            let place = self.choice(&at("jurisdiction"), &e.jurisdiction, Jurisdiction::ALL);
            let clinics = self.node_clinics(&at("clinics"), &e.clinics);
            if let (Some(ae), Some(host), Some(port), Some(role), Some(place)) =
                (ae, host, port, role, place)
                && self.problems.len() == before
            {
                out.push(NodeSpec {
                    name: name.to_owned(),
                    ae_title: ae.to_string(),
                    host: host.to_string(),
                    port: i32::from(port.get()),
                    tls: e.tls,
                    role: role.as_str().to_owned(),
                    jurisdiction: place.as_str().to_owned(),
                    notes: e.notes.trim().to_owned(),
                    clinics,
                });
            }
        }
        out
    }

    fn node_clinics(&mut self, path: &str, codes: &[String]) -> Vec<i64> {
        if codes.is_empty() {
            self.err(path, "a node serves at least one clinic");
        }
        let mut ids: Vec<i64> = codes
            .iter()
            .enumerate()
            .filter_map(|(j, code)| self.clinic(&format!("{path}[{j}]"), code))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Stored destinations absent from the file that forward jobs refer to cannot be removed
    /// (nor, then, their nodes).
    fn removals(&mut self, file: &ConfigFile) {
        let cur = self.ctx.current;
        let kept: HashSet<&str> = file.destinations.iter().map(|d| d.name.trim()).collect();
        let nodes: HashSet<&str> = file.nodes.iter().map(|n| n.name.trim()).collect();
        for d in &cur.destinations {
            let jobs = cur.job_count(d.id);
            if kept.contains(d.name.as_str()) || jobs == 0 {
                continue;
            }
            self.err(
                "destinations",
                format!(
                    "{:?} is not in the file but {jobs} forward jobs refer to it, so it cannot \
                     be removed; keep it in the file (enabled = false stops sending to it)",
                    d.name
                ),
            );
            let node = cur.node_name(d.node_id);
            if !nodes.contains(node) {
                self.err(
                    "nodes",
                    format!(
                        "{node:?} is not in the file but its destination {:?} has forward \
                         jobs, so it cannot be removed",
                        d.name
                    ),
                );
            }
        }
    }
}
