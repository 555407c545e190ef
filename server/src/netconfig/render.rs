//! Writes the file model as TOML a person can read: a commented header, one `[[section]]`
//! table per item with its keys in a fixed order, and the small tables (`retry`, `pia`,
//! `when`) inline on one line.

use super::{ConfigFile, DestinationEntry, LocalAeEntry, NetConfigError, NodeEntry, RuleEntry};
use serde::Serialize;

const HEADER: &str = "\
# Passerelle network and routing configuration (passerelle config export).
# Import with `passerelle config import FILE [--dry-run]`: the file is the desired state;
# local AE titles, nodes, destinations and rules absent from it are removed.
# Clinics are referenced by code and never created. Secrets are never written here:
# `secret_env` names the environment variable holding a destination's secret (when it is
# unset at import, the stored secret is kept). Rules of a clinic (or global ones, without
# `clinic`) apply in file order. `pia.recorded_at` is in Unix seconds. HL7 facilities:
# the MSH-4 (`sending`) or MSH-6 (`receiving`) name of a message, mapped to a clinic.
";

/// Appends `key = value` lines and `[[table]]` headers.
struct Writer(String);

impl Writer {
    fn table(&mut self, name: &str) {
        self.0.push_str("\n[[");
        self.0.push_str(name);
        self.0.push_str("]]\n");
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), NetConfigError> {
        let mut text = String::new();
        value.serialize(toml::ser::ValueSerializer::new(&mut text))?;
        self.0.push_str(key);
        self.0.push_str(" = ");
        self.0.push_str(&text);
        self.0.push('\n');
        Ok(())
    }

    /// A key whose value is left out when it is the default.
    fn key_unless<T: Serialize + ?Sized>(
        &mut self,
        skip: bool,
        key: &str,
        value: &T,
    ) -> Result<(), NetConfigError> {
        if skip { Ok(()) } else { self.key(key, value) }
    }
}

/// The file as TOML text.
pub fn render(file: &ConfigFile) -> Result<String, NetConfigError> {
    let mut w = Writer(HEADER.to_owned());
    w.0.push('\n');
    w.key("version", &file.version)?;
    for a in &file.local_aes {
        local_ae(&mut w, a)?;
    }
    for n in &file.nodes {
        node(&mut w, n)?;
    }
    for d in &file.destinations {
        destination(&mut w, d)?;
    }
    for r in &file.rules {
        rule(&mut w, r)?;
    }
    for f in &file.hl7_facilities {
        w.table("hl7_facilities");
        w.key("side", &f.side)?;
        w.key("facility", &f.facility)?;
        w.key("clinic", &f.clinic)?;
    }
    Ok(w.0)
}

fn local_ae(w: &mut Writer, a: &LocalAeEntry) -> Result<(), NetConfigError> {
    w.table("local_aes");
    w.key("ae_title", &a.ae_title)?;
    w.key("clinic", &a.clinic)?;
    w.key("enabled", &a.enabled)?;
    w.key("caller_policy", &a.caller_policy)?;
    w.key("allowed_callers", &a.allowed_callers)?;
    if let Some(port) = a.port {
        w.key("port", &port)?;
    }
    Ok(())
}

fn node(w: &mut Writer, n: &NodeEntry) -> Result<(), NetConfigError> {
    w.table("nodes");
    w.key("name", &n.name)?;
    w.key("ae_title", &n.ae_title)?;
    w.key("host", &n.host)?;
    w.key("port", &n.port)?;
    w.key("tls", &n.tls)?;
    w.key("role", &n.role)?;
    w.key("jurisdiction", &n.jurisdiction)?;
    w.key("clinics", &n.clinics)?;
    w.key("notes", &n.notes)
}

fn destination(w: &mut Writer, d: &DestinationEntry) -> Result<(), NetConfigError> {
    w.table("destinations");
    w.key("name", &d.name)?;
    w.key("node", &d.node)?;
    w.key("transport", &d.transport)?;
    w.key_unless(d.stow_url.is_empty(), "stow_url", &d.stow_url)?;
    w.key("auth", &d.auth)?;
    w.key_unless(d.auth_user.is_empty(), "auth_user", &d.auth_user)?;
    if let Some(var) = &d.secret_env {
        w.key("secret_env", var)?;
    }
    w.key("enabled", &d.enabled)?;
    w.key("paused", &d.paused)?;
    w.key("max_concurrency", &d.max_concurrency)?;
    w.key("timeout_seconds", &d.timeout_seconds)?;
    w.key("retry", &d.retry)?;
    if let Some(pia) = &d.pia {
        w.key("pia", pia)?;
    }
    Ok(())
}

fn rule(w: &mut Writer, r: &RuleEntry) -> Result<(), NetConfigError> {
    w.table("rules");
    if let Some(clinic) = &r.clinic {
        w.key("clinic", clinic)?;
    }
    w.key("name", &r.name)?;
    w.key("enabled", &r.enabled)?;
    w.key("action", &r.action)?;
    w.key("fallback", &r.fallback)?;
    w.key("destinations", &r.destinations)?;
    w.key("when", &r.when)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netconfig::{PiaEntry, RetryEntry, parse};
    use domain::routing::{Action, Condition, Field};

    fn sample_destination() -> DestinationEntry {
        DestinationEntry {
            name: "vna-mtl".into(),
            node: "VNA Montréal".into(),
            transport: "stow".into(),
            stow_url: "https://vna.example/dicom-web".into(),
            auth: "bearer".into(),
            auth_user: String::new(),
            secret_env: Some("PASSERELLE_SECRET_VNA_MTL".into()),
            enabled: true,
            paused: true,
            max_concurrency: 2,
            timeout_seconds: 30,
            retry: RetryEntry::default(),
            pia: Some(PiaEntry {
                reference: "EFVP-1".into(),
                recorded_by: "admin".into(),
                recorded_at: 1_780_000_000,
            }),
        }
    }

    fn sample() -> ConfigFile {
        let when = Condition::All {
            of: vec![
                Condition::Equals {
                    field: Field::Modality,
                    value: "CT".into(),
                },
                Condition::Not {
                    of: Box::new(Condition::Matches {
                        field: Field::StudyDescription,
                        pattern: r#"^(?i)thorax\s+"q""#.into(),
                    }),
                },
                Condition::AgeBetween {
                    min: Some(18),
                    max: None,
                },
            ],
        };
        ConfigFile {
            version: 1,
            local_aes: vec![LocalAeEntry {
                ae_title: "PASSERELLE".into(),
                clinic: "DEMO".into(),
                enabled: true,
                caller_policy: "listed".into(),
                allowed_callers: vec!["CT1".into()],
                port: Some(11113),
            }],
            nodes: vec![NodeEntry {
                name: "VNA Montréal".into(),
                ae_title: "ORTHANC".into(),
                host: "10.0.0.5".into(),
                port: 4242,
                tls: false,
                role: "vna".into(),
                jurisdiction: "quebec".into(),
                clinics: vec!["DEMO".into()],
                notes: "line one\nline \"two\"".into(),
            }],
            destinations: vec![sample_destination()],
            rules: vec![RuleEntry {
                clinic: Some("DEMO".into()),
                name: "CT".into(),
                enabled: false,
                action: Action::Stop,
                fallback: true,
                destinations: vec!["vna-mtl".into()],
                when,
            }],
            hl7_facilities: vec![super::super::FacilityEntry {
                side: "sending".into(),
                facility: "CLINIQUE-MTL".into(),
                clinic: "DEMO".into(),
            }],
        }
    }

    #[test]
    fn rendered_text_reads_back_identical() {
        let file = sample();
        let text = render(&file).expect("render");
        assert!(text.contains("retry = { base_seconds = 5"), "{text}");
        assert!(text.contains("when = { op = \"all\""), "{text}");
        assert_eq!(parse(&text).expect("parse"), file, "{text}");
    }
}
