//! UI text of routing and transfers, in English and French (a missing one is a compile error).

use super::{I18n, Locale};
use domain::routing::RuleError;
use leptos::prelude::Get;

/// Routing and transfers strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rt {
    NavTransfers,
    NavRouting,
    Destinations,
    NewDestination,
    EditDestination,
    Transport,
    TransportDimse,
    TransportStow,
    StowUrl,
    Auth,
    AuthNone,
    AuthBasic,
    AuthBearer,
    AuthUser,
    Secret,
    SecretKept,
    Node,
    Concurrency,
    TimeoutSeconds,
    RetryBase,
    RetryMax,
    RetryAttempts,
    Paused,
    Pause,
    Resume,
    Pia,
    PiaReference,
    PiaRecord,
    PiaMissing,
    PiaRecordedBy,
    Rules,
    NewRule,
    EditRule,
    Global,
    AppliesTo,
    ActionStop,
    ActionContinue,
    Fallback,
    Condition,
    ConditionHelp,
    MoveUp,
    MoveDown,
    Delete,
    Preview,
    PreviewHelp,
    Before,
    After,
    Changed,
    Nowhere,
    Queued,
    InFlight,
    Done,
    Dead,
    Held,
    Throughput,
    LastError,
    LastHour,
    InProgress,
    DeadLetters,
    Retry,
    RetryAll,
    Attempts,
    Reason,
    NoDeadLetters,
    NothingInProgress,
    SentTo,
    Released,
    Disabled,
    BadJson,
    Study,
    RuleValid,
    WhenMatched,
    History,
}

fn pair(m: Rt) -> (&'static str, &'static str) {
    use Rt::*;
    match m {
        NavTransfers => ("Transfers", "Transferts"),
        NavRouting => ("Routing", "Routage"),
        Destinations => ("Destinations", "Destinations"),
        NewDestination => ("New destination", "Nouvelle destination"),
        EditDestination => ("Edit destination", "Modifier la destination"),
        Transport => ("Sent by", "Envoi par"),
        TransportDimse => ("DICOM C-STORE", "DICOM C-STORE"),
        TransportStow => ("DICOMweb STOW-RS", "DICOMweb STOW-RS"),
        StowUrl => ("STOW-RS base URL", "URL de base STOW-RS"),
        Auth => ("Authentication", "Authentification"),
        AuthNone => ("None", "Aucune"),
        AuthBasic => ("User and password", "Utilisateur et mot de passe"),
        AuthBearer => ("Bearer token", "Jeton (bearer)"),
        AuthUser => ("User", "Utilisateur"),
        Secret => ("Password or token", "Mot de passe ou jeton"),
        SecretKept => (
            "A secret is stored; leave blank to keep it.",
            "Un secret est enregistré; laisser vide pour le conserver.",
        ),
        Node => ("Node", "Nœud"),
        Concurrency => (
            "Parallel associations or requests",
            "Associations ou requêtes en parallèle",
        ),
        TimeoutSeconds => ("Timeout (s)", "Délai d'attente (s)"),
        RetryBase => ("First retry after (s)", "Premier essai après (s)"),
        RetryMax => (
            "Longest wait between retries (s)",
            "Attente maximale entre essais (s)",
        ),
        RetryAttempts => ("Attempts before giving up", "Essais avant abandon"),
        Paused => ("Paused", "En pause"),
        Pause => ("Pause", "Suspendre"),
        Resume => ("Resume", "Reprendre"),
        Pia => (
            "Privacy impact assessment (Law 25)",
            "Évaluation des facteurs relatifs à la vie privée (Loi 25)",
        ),
        PiaReference => ("Assessment reference", "Référence de l'évaluation"),
        PiaRecord => ("Record the assessment", "Consigner l'évaluation"),
        PiaMissing => (
            "Required before any image leaves Quebec: jobs to this destination are held.",
            "Requise avant qu'une image quitte le Québec : les envois vers cette destination sont retenus.",
        ),
        PiaRecordedBy => ("recorded by", "consignée par"),
        Rules => ("Routing rules", "Règles de routage"),
        NewRule => ("New rule", "Nouvelle règle"),
        EditRule => ("Edit rule", "Modifier la règle"),
        Global => (
            "All clinics (global rule)",
            "Toutes les cliniques (règle globale)",
        ),
        AppliesTo => ("Applies to", "S'applique à"),
        ActionStop => ("Stop at this rule", "S'arrêter à cette règle"),
        ActionContinue => (
            "Continue with the next rules",
            "Continuer avec les règles suivantes",
        ),
        Fallback => (
            "Fallback: only when no other rule matched",
            "Repli : seulement si aucune autre règle ne s'applique",
        ),
        Condition => ("Condition (JSON)", "Condition (JSON)"),
        ConditionHelp => (
            "Examples: {\"op\":\"always\"} · {\"op\":\"equals\",\"field\":\"modality\",\"value\":\"CT\"} · {\"op\":\"all\",\"of\":[…]} · any, not, one_of, contains, matches (regex), age_between, time_between, priority_in.",
            "Exemples : {\"op\":\"always\"} · {\"op\":\"equals\",\"field\":\"modality\",\"value\":\"CT\"} · {\"op\":\"all\",\"of\":[…]} · any, not, one_of, contains, matches (regex), age_between, time_between, priority_in.",
        ),
        MoveUp => ("Move up", "Monter"),
        MoveDown => ("Move down", "Descendre"),
        Delete => ("Delete", "Supprimer"),
        Preview => (
            "Preview on recent studies",
            "Aperçu sur les études récentes",
        ),
        PreviewHelp => (
            "Where the last 50 received studies went with the current rules, and where they would go with this draft.",
            "Où sont allées les 50 dernières études reçues avec les règles actuelles, et où elles iraient avec ce brouillon.",
        ),
        Before => ("Current rules", "Règles actuelles"),
        After => ("With this draft", "Avec ce brouillon"),
        Changed => ("changed", "modifié"),
        Nowhere => ("nowhere", "nulle part"),
        Queued => ("Queued", "En attente"),
        InFlight => ("Sending", "En cours"),
        Done => ("Done", "Terminés"),
        Dead => ("Failed", "En échec"),
        Held => ("Held", "Retenus"),
        Throughput => ("Throughput", "Débit"),
        LastError => ("Last error", "Dernière erreur"),
        LastHour => (
            "Confirmed per minute, last hour",
            "Confirmés par minute, dernière heure",
        ),
        InProgress => ("Studies being forwarded", "Études en cours d'envoi"),
        DeadLetters => ("Failed transfers", "Transferts en échec"),
        Retry => ("Retry", "Réessayer"),
        RetryAll => ("Retry all failed", "Réessayer tous les échecs"),
        Attempts => ("Attempts", "Essais"),
        Reason => ("Reason", "Raison"),
        NoDeadLetters => ("No failed transfers.", "Aucun transfert en échec."),
        NothingInProgress => ("Nothing is being forwarded.", "Aucun envoi en cours."),
        SentTo => ("Sent to", "Envoyé à"),
        Released => ("released from the spool", "libéré du tampon"),
        Disabled => ("Disabled", "Désactivée"),
        BadJson => (
            "The condition is not valid JSON:",
            "La condition n'est pas du JSON valide :",
        ),
        Study => ("Study", "Étude"),
        RuleValid => ("The rule is valid.", "La règle est valide."),
        WhenMatched => ("When it matches", "Si elle s'applique"),
        History => ("Changes", "Modifications"),
    }
}

/// The text of `m` in locale `l`.
pub fn rt(l: Locale, m: Rt) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

impl I18n {
    /// A routing string in the current locale (reactive).
    pub fn r(self, m: Rt) -> &'static str {
        rt(self.0.get(), m)
    }
}

/// A rule problem in the current language, with where it is.
pub fn rule_error(l: Locale, e: &RuleError) -> String {
    if l == Locale::En {
        return e.to_string();
    }
    let what = match e {
        RuleError::EmptyName { .. } => "une règle doit avoir un nom".to_owned(),
        RuleError::NameTooLong { max, .. } => format!("le nom dépasse {max} caractères"),
        RuleError::NoDestination { .. } => "il faut au moins une destination".to_owned(),
        RuleError::UnknownDestination { name, .. } => format!("destination inconnue « {name} »"),
        RuleError::BadRegex { message, .. } => format!("expression régulière invalide : {message}"),
        RuleError::BadTime { value, .. } => format!("heure HH:MM attendue, pas « {value} »"),
        RuleError::EmptyTimeWindow { .. } => "la plage horaire est vide".to_owned(),
        RuleError::AgeRange { min, max, .. } => {
            format!("âge minimal {min} supérieur au maximal {max}")
        }
        RuleError::EmptyList { .. } => "la liste de valeurs est vide".to_owned(),
        RuleError::EmptyGroup { .. } => "le groupe n'a aucune condition".to_owned(),
        RuleError::EmptyValue { .. } => "la valeur est vide".to_owned(),
        RuleError::TooDeep { max, .. } => format!("plus de {max} niveaux d'imbrication"),
    };
    format!("{} : {what}", e.path())
}
