//! Export: the stored configuration as a [`ConfigFile`] (written out by `render.rs`). Secrets
//! are replaced by the name of the environment variable an import reads them from.

use super::current::Current;
use super::{
    ConfigFile, DestinationEntry, FORMAT_VERSION, LocalAeEntry, NetConfigError, NodeEntry,
    PiaEntry, RetryEntry, RuleEntry,
};
use crate::db::entities::{local_ae, remote_node};
use crate::db::routing_entities::destination;
use std::collections::HashSet;

/// `PASSERELLE_SECRET_` and the destination name in upper snake case, accents folded
/// (`VNA Montréal` → `PASSERELLE_SECRET_VNA_MONTREAL`).
pub fn secret_env_name(destination: &str) -> String {
    let mut body = String::new();
    let mut gap = false;
    for c in destination.chars() {
        match fold(c) {
            Some(letters) => {
                if gap && !body.is_empty() {
                    body.push('_');
                }
                gap = false;
                body.push_str(&letters);
            }
            None => gap = true,
        }
    }
    if body.is_empty() {
        body.push_str("DESTINATION");
    }
    format!("PASSERELLE_SECRET_{body}")
}

/// The upper-case ASCII letters or digit for `c`, or `None` for a separator.
fn fold(c: char) -> Option<String> {
    if c.is_ascii_alphanumeric() {
        return Some(c.to_ascii_uppercase().to_string());
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    let base = match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "A",
        'ç' => "C",
        'è' | 'é' | 'ê' | 'ë' => "E",
        'ì' | 'í' | 'î' | 'ï' => "I",
        'ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => "O",
        'ù' | 'ú' | 'û' | 'ü' => "U",
        'ý' | 'ÿ' => "Y",
        'œ' => "OE",
        'æ' => "AE",
        _ => return None,
    };
    Some(base.to_owned())
}

/// The stored configuration as a file model.
pub fn to_file(cur: &Current) -> Result<ConfigFile, NetConfigError> {
    let mut env_names = HashSet::new();
    Ok(ConfigFile {
        version: FORMAT_VERSION,
        local_aes: cur.local_aes.iter().map(|a| local_ae(cur, a)).collect(),
        nodes: cur.nodes.iter().map(|n| node(cur, n)).collect(),
        destinations: cur
            .destinations
            .iter()
            .map(|d| destination(cur, d, &mut env_names))
            .collect(),
        rules: cur
            .rules
            .iter()
            .map(|r| RuleEntry {
                clinic: r.model.clinic_id.map(|c| cur.clinic_code(c).to_owned()),
                name: r.rule.name.clone(),
                enabled: r.rule.enabled,
                action: r.rule.action,
                fallback: r.rule.fallback,
                destinations: r.rule.destinations.clone(),
                when: r.rule.when.clone(),
            })
            .collect(),
        hl7_facilities: super::facilities::export(cur),
    })
}

fn local_ae(cur: &Current, a: &local_ae::Model) -> LocalAeEntry {
    LocalAeEntry {
        ae_title: a.ae_title.clone(),
        clinic: cur.clinic_code(a.clinic_id).to_owned(),
        enabled: a.enabled,
        caller_policy: a.caller_policy.clone(),
        allowed_callers: a
            .allowed_callers
            .split('\\')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        port: a.port.map(i64::from),
    }
}

fn node(cur: &Current, n: &remote_node::Model) -> NodeEntry {
    let clinics = cur.node_clinics.get(&n.id).cloned().unwrap_or_default();
    let mut codes: Vec<String> = clinics
        .into_iter()
        .map(|c| cur.clinic_code(c).to_owned())
        .collect();
    codes.sort();
    NodeEntry {
        name: n.name.clone(),
        ae_title: n.ae_title.clone(),
        host: n.host.clone(),
        port: i64::from(n.port),
        tls: n.tls,
        role: n.role.clone(),
        jurisdiction: n.jurisdiction.clone(),
        clinics: codes,
        notes: n.notes.clone(),
    }
}

fn destination(
    cur: &Current,
    d: &destination::Model,
    env_names: &mut HashSet<String>,
) -> DestinationEntry {
    let secret_env = (!d.auth_secret.is_empty()).then(|| {
        let base = secret_env_name(&d.name);
        let mut name = base.clone();
        let mut n = 2;
        while !env_names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    });
    DestinationEntry {
        name: d.name.clone(),
        node: cur.node_name(d.node_id).to_owned(),
        transport: d.kind.clone(),
        stow_url: d.stow_url.clone(),
        auth: d.auth_kind.clone(),
        auth_user: d.auth_user.clone(),
        secret_env,
        enabled: d.enabled,
        paused: d.paused,
        max_concurrency: u32::try_from(d.max_concurrency).unwrap_or(0),
        timeout_seconds: u32::try_from(d.timeout_seconds).unwrap_or(0),
        retry: RetryEntry {
            base_seconds: u32::try_from(d.retry_base_seconds).unwrap_or(0),
            max_seconds: u32::try_from(d.retry_max_seconds).unwrap_or(0),
            max_attempts: u32::try_from(d.retry_max_attempts).unwrap_or(0),
        },
        pia: d.pia_reference.as_ref().map(|reference| PiaEntry {
            reference: reference.clone(),
            recorded_by: d.pia_recorded_by.clone().unwrap_or_default(),
            recorded_at: d.pia_recorded_at.unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_variable_names() {
        assert_eq!(secret_env_name("vna-mtl"), "PASSERELLE_SECRET_VNA_MTL");
        assert_eq!(
            secret_env_name("VNA Montréal"),
            "PASSERELLE_SECRET_VNA_MONTREAL"
        );
        assert_eq!(secret_env_name(" cœur..2 "), "PASSERELLE_SECRET_COEUR_2");
        assert_eq!(secret_env_name("---"), "PASSERELLE_SECRET_DESTINATION");
    }
}
