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
    ExpiryHint,
    ActsFor,
    You,
    NoUser,
    NewToken,
    Never,
    Issue,
    Issuing,
    Issued,
    SecretOnce,
    Secret,
    Copy,
    Copied,
    CopyByHand,
    Example,
    Done,
    ListTitle,
    For,
    Application,
    Created,
    Expires,
    LastUsed,
    NotUsed,
    State,
    Active,
    Revoked,
    Expired,
    Revoke,
    ConfirmQuestion,
    NoTokens,
    AllowStore,
    AllowStoreHint,
    Uploads,
    ErrName,
    ErrClinic,
    ErrExpiry,
}

fn pair(m: Tk) -> (&'static str, &'static str) {
    use Tk::*;
    match m {
        Nav => ("Tokens", "Jetons"),
        AllowStore => (
            "Also allow uploads (STOW-RS)",
            "Permettre aussi le versement (STOW-RS)",
        ),
        AllowStoreHint => (
            "Unchecked: search and read only.",
            "Non coché : recherche et lecture seulement.",
        ),
        Uploads => ("+ uploads", "+ versement"),
        Title => ("DICOMweb tokens", "Jetons DICOMweb"),
        Intro => (
            "Viewers (OHIF…) and scripts reach /dicomweb with a token, scoped to clinics.",
            "Les visionneuses (OHIF…) et les scripts accèdent à /dicomweb avec un jeton, limité à des cliniques.",
        ),
        Name => ("Name (what it is for)", "Nom (à quoi il sert)"),
        NameCol => ("Name", "Nom"),
        Clinics => ("Clinics", "Cliniques"),
        ExpiresDays => ("Expires after (days)", "Expire après (jours)"),
        ExpiryHint => ("Empty: never expires.", "Vide : n'expire jamais."),
        ActsFor => ("Acts for", "Agit pour"),
        You => ("you", "vous"),
        NoUser => (
            "No user (an application)",
            "Aucun utilisateur (une application)",
        ),
        NewToken => ("New token", "Nouveau jeton"),
        Never => ("never", "jamais"),
        Issue => ("Issue a token", "Émettre un jeton"),
        Issuing => ("Issuing…", "Émission…"),
        Issued => ("Token issued:", "Jeton émis :"),
        SecretOnce => (
            "Copy this token now: it will not be shown again.",
            "Copiez ce jeton maintenant : il ne sera plus affiché.",
        ),
        Secret => ("Token", "Jeton"),
        Copy => ("Copy", "Copier"),
        Copied => ("Copied ✓", "Copié ✓"),
        CopyByHand => (
            "Selected: copy it with Ctrl+C or a long press.",
            "Sélectionné : copiez-le avec Ctrl+C ou un appui long.",
        ),
        Example => (
            "Example: list the studies with it",
            "Exemple : lister les études avec ce jeton",
        ),
        Done => ("I have copied it", "Je l'ai copié"),
        ListTitle => ("Issued tokens", "Jetons émis"),
        For => ("For", "Pour"),
        Application => ("application", "application"),
        Created => ("Created", "Créé"),
        Expires => ("Expires", "Expire"),
        LastUsed => ("Last used", "Dernier usage"),
        NotUsed => ("not yet", "pas encore"),
        State => ("State", "État"),
        Active => ("active", "actif"),
        Revoked => ("revoked", "révoqué"),
        Expired => ("expired", "expiré"),
        Revoke => ("Revoke", "Révoquer"),
        ConfirmQuestion => (
            "Revoke this token? Viewers and scripts using it are refused at once:",
            "Révoquer ce jeton ? Les visionneuses et scripts qui l'utilisent sont refusés aussitôt :",
        ),
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
