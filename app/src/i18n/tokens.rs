//! UI text of the DICOMweb tokens page, in English and French (a missing one is a compile
//! error), and the token form's validation errors in both.

use super::{I18n, Locale};
use domain::tokens::TokenError;
use leptos::prelude::Get;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tk {
    Nav,
    Title,
    Intro,
    Name,
    NameCol,
    Clinics,
    ExpiresDays,
    Never,
    Issue,
    Issuing,
    SecretOnce,
    Example,
    For,
    Application,
    User,
    Created,
    Expires,
    LastUsed,
    State,
    Active,
    Revoked,
    Expired,
    Revoke,
    ConfirmRevoke,
    NoTokens,
    ErrName,
    ErrClinic,
    ErrExpiry,
}

fn pair(m: Tk) -> (&'static str, &'static str) {
    use Tk::*;
    match m {
        Nav => ("Tokens", "Jetons"),
        Title => ("DICOMweb tokens", "Jetons DICOMweb"),
        Intro => (
            "Viewers (OHIF…) and scripts reach /dicomweb with a token, scoped to clinics.",
            "Les visionneuses (OHIF…) et les scripts accèdent à /dicomweb avec un jeton, limité à des cliniques.",
        ),
        Name => ("Name (what it is for)", "Nom (à quoi il sert)"),
        NameCol => ("Name", "Nom"),
        Clinics => ("Clinics", "Cliniques"),
        ExpiresDays => (
            "Expires after (days, empty: never)",
            "Expire après (jours, vide : jamais)",
        ),
        Never => ("never", "jamais"),
        Issue => ("Issue a token", "Émettre un jeton"),
        Issuing => ("Issuing…", "Émission…"),
        SecretOnce => (
            "Copy this token now: it will not be shown again.",
            "Copiez ce jeton maintenant : il ne sera plus affiché.",
        ),
        Example => ("Example", "Exemple"),
        For => ("For", "Pour"),
        Application => ("application", "application"),
        User => ("user", "utilisateur"),
        Created => ("Created", "Créé"),
        Expires => ("Expires", "Expire"),
        LastUsed => ("Last used", "Dernier usage"),
        State => ("State", "État"),
        Active => ("active", "actif"),
        Revoked => ("revoked", "révoqué"),
        Expired => ("expired", "expiré"),
        Revoke => ("Revoke", "Révoquer"),
        ConfirmRevoke => ("Confirm: revoke", "Confirmer la révocation"),
        NoTokens => ("No token yet.", "Aucun jeton pour l'instant."),
        ErrName => (
            "A token needs a name (1 to 64 characters).",
            "Un jeton a besoin d'un nom (1 à 64 caractères).",
        ),
        ErrClinic => (
            "Choose at least one clinic.",
            "Choisissez au moins une clinique.",
        ),
        ErrExpiry => ("Expiry: 1 to 3650 days.", "Expiration : de 1 à 3650 jours."),
    }
}

/// A tokens string in `l`.
pub fn tk(l: Locale, m: Tk) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

/// The message of a form validation error.
pub fn token_error(e: &TokenError) -> Tk {
    match e {
        TokenError::Name => Tk::ErrName,
        TokenError::NoClinic => Tk::ErrClinic,
        TokenError::Expiry => Tk::ErrExpiry,
    }
}

impl I18n {
    /// A tokens string in the current locale (reactive).
    pub fn tk(self, m: Tk) -> &'static str {
        tk(self.0.get(), m)
    }
}
