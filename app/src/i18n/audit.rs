//! UI text of the audit trail page, in English and French (a missing one is a compile error).

use super::{I18n, Locale};
use leptos::prelude::Get;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Au {
    Link,
    Title,
    Intro,
    Show,
    All,
    When,
    Who,
    Action,
    Clinic,
    Subject,
    Outcome,
    Count,
    Empty,
    Ok,
    Refused,
    Failed,
}

fn pair(m: Au) -> (&'static str, &'static str) {
    use Au::*;
    match m {
        Link => ("Audit trail", "Journal d'audit"),
        Title => ("Audit trail", "Journal d'audit"),
        Intro => (
            "Who searched, retrieved or stored images, in the PACS and through DICOMweb (Law 25). The latest 500 events, times in UTC.",
            "Qui a cherché, récupéré ou versé des images, dans les PACS et par DICOMweb (Loi 25). Les 500 derniers événements, heures en UTC.",
        ),
        Show => ("Show", "Afficher"),
        All => ("All events", "Tous les événements"),
        When => ("When", "Quand"),
        Who => ("Who", "Qui"),
        Action => ("Action", "Action"),
        Clinic => ("Clinic", "Clinique"),
        Subject => ("About", "Objet"),
        Outcome => ("Outcome", "Résultat"),
        Count => ("Count", "Nombre"),
        Empty => ("No events.", "Aucun événement."),
        Ok => ("OK", "OK"),
        Refused => ("Refused", "Refusé"),
        Failed => ("Failed", "Échec"),
    }
}

/// The label of an audit action (`audit_events.action`).
pub fn audit_action(l: Locale, action: &str) -> &'static str {
    let (en, fr) = match action {
        "query" => ("PACS search", "Recherche PACS"),
        "retrieve" => ("PACS retrieve", "Récupération PACS"),
        "dicomweb_query" => ("DICOMweb search", "Recherche DICOMweb"),
        "dicomweb_retrieve" => ("DICOMweb read", "Consultation DICOMweb"),
        "dicomweb_store" => ("DICOMweb upload", "Versement DICOMweb"),
        "dimse_query" => ("DICOM search (C-FIND)", "Recherche DICOM (C-FIND)"),
        "dimse_retrieve" => (
            "DICOM retrieve (C-MOVE, C-GET)",
            "Récupération DICOM (C-MOVE, C-GET)",
        ),
        "patient_record" => ("Patient record", "Dossier patient"),
        "patient_merge" => ("Patient merge", "Fusion de dossiers"),
        "order_record" => ("Order", "Demande d'examen"),
        "study_reconcile" => ("Study reconciled", "Étude rapprochée"),
        "hl7_reprocess" => ("HL7 message reprocessed", "Message HL7 retraité"),
        _ => ("Other", "Autre"),
    };
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

/// The message of a recorded outcome, when it is one of the common ones.
pub fn audit_outcome(outcome: &str) -> Option<Au> {
    match outcome {
        "ok" | "success" | "completed" => Some(Au::Ok),
        "refused" => Some(Au::Refused),
        "failed" | "failure" => Some(Au::Failed),
        _ => None,
    }
}

/// An audit page string in `l`.
pub fn au(l: Locale, m: Au) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

impl I18n {
    /// An audit page string in the current locale (reactive).
    pub fn au(self, m: Au) -> &'static str {
        au(self.0.get(), m)
    }
}
