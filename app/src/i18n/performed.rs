//! UI text of the performed procedure steps (MPPS) an order page shows, in English and French
//! (a missing one is a compile error).

use super::{I18n, Locale};
use leptos::prelude::Get;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ps {
    Title,
    None,
    Step,
    Station,
    Started,
    Ended,
    Series,
    Instances,
    InProgress,
    Completed,
    Discontinued,
    UnmatchedTitle,
    UnmatchedIntro,
    NoUnmatched,
}

fn pair(m: Ps) -> (&'static str, &'static str) {
    use Ps::*;
    match m {
        Title => ("Performed steps (MPPS)", "Étapes réalisées (MPPS)"),
        None => (
            "No modality has reported a step for this order.",
            "Aucune modalité n'a signalé d'étape pour cette demande.",
        ),
        Step => ("Step", "Étape"),
        Station => ("Station", "Poste"),
        Started => ("Started", "Début"),
        Ended => ("Ended", "Fin"),
        Series => ("Series", "Séries"),
        Instances => ("Images", "Images"),
        InProgress => ("In progress", "En cours"),
        Completed => ("Completed", "Terminée"),
        Discontinued => ("Discontinued", "Interrompue"),
        UnmatchedTitle => (
            "Performed steps without an order",
            "Étapes réalisées sans demande",
        ),
        UnmatchedIntro => (
            "A modality reported these steps for no order of the clinic (an unscheduled exam, or a study UID and accession Passerelle does not know). They are kept as received.",
            "Une modalité a signalé ces étapes pour aucune demande de la clinique (examen non planifié, ou UID d'étude et numéro d'accès inconnus de Passerelle). Elles sont gardées telles que reçues.",
        ),
        NoUnmatched => (
            "Every performed step names an order.",
            "Chaque étape réalisée correspond à une demande.",
        ),
    }
}

pub fn ps(l: Locale, m: Ps) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

/// The label of a stored step status (`in_progress`, `completed`, `discontinued`).
pub fn step_status(status: &str) -> Ps {
    match status {
        "completed" => Ps::Completed,
        "discontinued" => Ps::Discontinued,
        _ => Ps::InProgress,
    }
}

impl I18n {
    /// A performed-steps string in the current locale (reactive).
    pub fn ps(self, m: Ps) -> &'static str {
        ps(self.0.get(), m)
    }
}
