//! UI text of query/retrieve (search the PACS, drill down, retrieve jobs), in English and French
//! (a missing one is a compile error), and the search form's validation errors in both.

use super::{I18n, Locale};
use domain::query::{QueryError, RetrieveState};
use leptos::prelude::Get;

/// Query/retrieve strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qr {
    NavQuery,
    Title,
    Pacs,
    AllPacs,
    Model,
    StudyRoot,
    PatientRoot,
    PatientName,
    WildcardHint,
    StudyFrom,
    StudyTo,
    Description,
    Searching,
    NoPacs,
    Results,
    ResultOne,
    ResultCount,
    PatientAndId,
    NoResults,
    SeriesInstances,
    OnPacs,
    ShowSeries,
    RetrieveFrom,
    RetrieveHere,
    MoveToVna,
    Move,
    CGet,
    WholeStudy,
    SeriesSelected,
    Number,
    NoSeries,
    Started,
    Retrieves,
    NoRetrieves,
    State,
    Method,
    Progress,
    Done,
    Failed,
    Warnings,
    Remaining,
    ByWhen,
    Cancelling,
    Queued,
    Running,
    Completed,
    Partial,
    Cancelled,
}

fn pair(m: Qr) -> (&'static str, &'static str) {
    use Qr::*;
    match m {
        NavQuery => ("PACS", "PACS"),
        Title => ("Query / retrieve", "Interrogation / récupération"),
        Pacs => ("PACS", "PACS"),
        AllPacs => ("All PACS", "Tous les PACS"),
        Model => ("Information model", "Modèle d'information"),
        StudyRoot => ("Study Root", "Study Root"),
        PatientRoot => ("Patient Root", "Patient Root"),
        PatientName => ("Patient name", "Nom du patient"),
        WildcardHint => (
            "* any characters, ? one character",
            "* : plusieurs caractères, ? : un caractère",
        ),
        StudyFrom => ("Study date from", "Date de l'étude, du"),
        StudyTo => ("Study date to", "Date de l'étude, au"),
        Description => ("Study description", "Description de l'étude"),
        Searching => ("Searching…", "Recherche…"),
        NoPacs => (
            "No PACS is configured for your clinics (administrators add them under Network).",
            "Aucun PACS n'est configuré pour vos cliniques (les administrateurs les ajoutent sous Réseau).",
        ),
        Results => ("Studies found", "Études trouvées"),
        ResultOne => ("result", "résultat"),
        ResultCount => ("results", "résultats"),
        PatientAndId => ("Patient / ID", "Patient / No"),
        NoResults => ("No study found.", "Aucune étude trouvée."),
        SeriesInstances => ("Series / instances", "Séries / instances"),
        OnPacs => ("On", "Sur"),
        ShowSeries => ("Show the series", "Voir les séries"),
        RetrieveFrom => ("Retrieve from", "Récupérer depuis"),
        RetrieveHere => ("Retrieve to Passerelle", "Récupérer dans Passerelle"),
        MoveToVna => ("Move to VNA…", "Déplacer vers un VNA…"),
        Move => ("Move", "Déplacer"),
        CGet => ("C-GET", "C-GET"),
        WholeStudy => (
            "No series selected: the whole study.",
            "Aucune série choisie : toute l'étude.",
        ),
        SeriesSelected => ("series selected", "séries choisies"),
        Number => ("No.", "No"),
        NoSeries => ("No series.", "Aucune série."),
        Started => ("Retrieve started.", "Récupération lancée."),
        Retrieves => ("Retrieves", "Récupérations"),
        NoRetrieves => ("No retrieve yet.", "Aucune récupération pour l'instant."),
        State => ("State", "État"),
        Method => ("Method", "Méthode"),
        Progress => ("Progress", "Progression"),
        Done => ("done", "réussies"),
        Failed => ("failed", "en échec"),
        Warnings => ("warnings", "avertissements"),
        Remaining => ("remaining", "restantes"),
        ByWhen => ("Requested by", "Demandée par"),
        Cancelling => ("Cancelling…", "Annulation…"),
        Queued => ("Queued", "En attente"),
        Running => ("Running", "En cours"),
        Completed => ("Completed", "Terminée"),
        Partial => ("Partly done", "Partielle"),
        Cancelled => ("Cancelled", "Annulée"),
    }
}

/// The text of `m` in locale `l`.
pub fn qr(l: Locale, m: Qr) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

impl I18n {
    /// A query/retrieve string in the current locale (reactive).
    pub fn q(self, m: Qr) -> &'static str {
        qr(self.0.get(), m)
    }
}

/// The label of a retrieve state.
pub fn retrieve_state(s: RetrieveState) -> Qr {
    match s {
        RetrieveState::Queued => Qr::Queued,
        RetrieveState::Running => Qr::Running,
        RetrieveState::Completed => Qr::Completed,
        RetrieveState::Partial => Qr::Partial,
        RetrieveState::Failed => Qr::Failed,
        RetrieveState::Cancelled => Qr::Cancelled,
    }
}

/// The form label of a search field as `StudySearch::validate` names it.
fn field_label(l: Locale, field: &str) -> String {
    let (en, fr) = match field {
        "patient_name" => pair(Qr::PatientName),
        "patient_id" => ("Patient ID", "No du patient"),
        "birth_date" => ("Birth date", "Date de naissance"),
        "study_date_from" => pair(Qr::StudyFrom),
        "study_date_to" => pair(Qr::StudyTo),
        "modality" => ("Modality", "Modalité"),
        "accession" => ("Accession", "No d'accès"),
        "description" => pair(Qr::Description),
        other => return other.to_owned(),
    };
    match l {
        Locale::En => en.to_owned(),
        Locale::Fr => fr.to_owned(),
    }
}

/// A search or retrieve problem in the user's language, naming the form field.
pub fn query_error(l: Locale, e: &QueryError) -> String {
    use QueryError::*;
    let fr = l == Locale::Fr;
    match e {
        Date { field } if fr => format!(
            "{} : une date AAAAMMJJ est attendue.",
            field_label(l, field)
        ),
        Date { field } => format!("{}: a date is YYYYMMDD.", field_label(l, field)),
        Range if fr => "Dates de l'étude : le début est après la fin.".into(),
        Range => "Study dates: the start is after the end.".into(),
        TooLong { field, max } if fr => {
            format!("{} : au plus {max} caractères.", field_label(l, field))
        }
        TooLong { field, max } => format!("{}: at most {max} characters.", field_label(l, field)),
        BadCharacter { field } if fr => format!(
            "{} : la barre oblique inverse et les caractères de contrôle ne sont pas permis.",
            field_label(l, field)
        ),
        BadCharacter { field } => format!(
            "{}: backslash and control characters are not allowed.",
            field_label(l, field)
        ),
        Uid(v) if fr => format!("{v} n'est pas un UID valide."),
        Uid(v) => format!("{v} is not a valid UID."),
        Empty if fr => "Indiquez au moins un critère de recherche.".into(),
        Empty => "Give at least one search key.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_form_field_in_both_languages() {
        let e = QueryError::Date {
            field: "birth_date".into(),
        };
        assert_eq!(
            query_error(Locale::En, &e),
            "Birth date: a date is YYYYMMDD."
        );
        assert_eq!(
            query_error(Locale::Fr, &e),
            "Date de naissance : une date AAAAMMJJ est attendue."
        );
        assert_eq!(qr(Locale::Fr, Qr::Title), "Interrogation / récupération");
    }
}
