//! UI text of a study's completeness (complete, or what it waits for), in English and French.

use super::Locale;
use domain::completeness::Completeness;

/// The state of a study and why, as the studies list and page show it.
pub fn completeness_label(l: Locale, c: Option<&Completeness>) -> String {
    let fr = l == Locale::Fr;
    match c {
        None => if fr { "En réception" } else { "Receiving" }.to_owned(),
        Some(Completeness::CompleteByStep { instances }) => {
            if fr {
                format!("Complète (MPPS, {instances} images)")
            } else {
                format!("Complete (MPPS, {instances} images)")
            }
        }
        Some(Completeness::CompleteByQuiet { seconds }) => {
            if fr {
                format!("Complète (rien reçu depuis {seconds} s)")
            } else {
                format!("Complete (nothing received for {seconds} s)")
            }
        }
        Some(Completeness::WaitingForInstances { missing }) => {
            if fr {
                format!("Attend {missing} images annoncées par MPPS")
            } else {
                format!("Waiting for {missing} images listed by MPPS")
            }
        }
        Some(Completeness::WaitingForStep) => if fr {
            "Examen en cours (MPPS)"
        } else {
            "Exam in progress (MPPS)"
        }
        .to_owned(),
        Some(Completeness::Receiving { .. }) => {
            if fr { "En réception" } else { "Receiving" }.to_owned()
        }
        Some(Completeness::WaitingForSeries { received, expected }) => {
            if fr {
                format!("Attend des séries ({received} sur {expected})")
            } else {
                format!("Waiting for series ({received} of {expected})")
            }
        }
    }
}
