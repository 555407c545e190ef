//! French and English UI text: a typed message table (a missing translation is a compile error),
//! the locale signal, and how the locale is chosen (cookie, then Accept-Language) and remembered.

use leptos::prelude::*;

/// The cookie that remembers the chosen language for a year.
pub const LOCALE_COOKIE: &str = "passerelle_lang";

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Fr,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Locale::En),
            Some("fr") => Some(Locale::Fr),
            _ => None,
        }
    }

    /// The locale from a `Cookie` header value, if it names one.
    pub fn from_cookie_header(header: &str) -> Option<Self> {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LOCALE_COOKIE)
            .and_then(|(_, v)| Locale::parse(v))
    }

    /// The first supported language of an `Accept-Language` header (q-values in order given).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .map(|part| {
                let mut it = part.split(';');
                let tag = it.next().unwrap_or("").trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (q, tag)
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs.into_iter().find_map(|(_, tag)| Locale::parse(tag))
    }
}

/// The reactive locale, provided at the root of the app.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Locale>);

impl I18n {
    /// The text of `m` in the current locale (tracks the locale when called in a reactive scope).
    pub fn t(self, m: Msg) -> &'static str {
        tr(self.0.get(), m)
    }

    pub fn locale(self) -> Locale {
        self.0.get()
    }

    /// Switches language and remembers it in a cookie (browser only).
    pub fn set(self, l: Locale) {
        self.0.set(l);
        #[cfg(feature = "hydrate")]
        remember_in_browser(l);
    }
}

#[cfg(feature = "hydrate")]
fn remember_in_browser(l: Locale) {
    use wasm_bindgen::JsCast;
    let doc = document();
    if let Ok(html) = doc.clone().dyn_into::<web_sys::HtmlDocument>() {
        let cookie = format!(
            "{LOCALE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.code()
        );
        let _ = html.set_cookie(&cookie);
    }
    if let Some(root) = doc.document_element() {
        let _ = root.set_attribute("lang", l.code());
    }
}

pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(|| I18n(RwSignal::new(Locale::En)))
}

/// Every UI string. Add a variant, then the compiler asks for both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AppTagline,
    NavHome,
    NavClinics,
    NavAdminClinics,
    NavAdminUsers,
    SignIn,
    SignOut,
    SigningIn,
    Username,
    Password,
    BadCredentials,
    TooManyAttempts,
    Welcome,
    YourRole,
    YourClinics,
    Loading,
    Code,
    Name,
    Active,
    Inactive,
    Status,
    Actions,
    Edit,
    Save,
    Saved,
    Create,
    Cancel,
    NewClinic,
    EditClinic,
    NewUser,
    EditUser,
    DisplayName,
    Role,
    Clinics,
    NewPasswordOptional,
    InitialPassword,
    NoClinics,
    NotFound,
    Forbidden,
    ErrorPrefix,
    RoleAdministrator,
    RoleClinicStaff,
    RoleRadiologist,
    RoleReferringPhysician,
    Language,
    PasswordRule,
}

/// The text of `m` in `l`.
pub fn tr(l: Locale, m: Msg) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

fn pair(m: Msg) -> (&'static str, &'static str) {
    use Msg::*;
    match m {
        AppTagline => ("Imaging network gateway", "Passerelle du réseau d'imagerie"),
        NavHome => ("Home", "Accueil"),
        NavClinics => ("My clinics", "Mes cliniques"),
        NavAdminClinics => ("Clinics", "Cliniques"),
        NavAdminUsers => ("Users", "Utilisateurs"),
        SignIn => ("Sign in", "Se connecter"),
        SignOut => ("Sign out", "Se déconnecter"),
        SigningIn => ("Signing in…", "Connexion…"),
        Username => ("User name", "Nom d'utilisateur"),
        Password => ("Password", "Mot de passe"),
        BadCredentials => (
            "Unknown user name or wrong password.",
            "Nom d'utilisateur inconnu ou mot de passe erroné.",
        ),
        TooManyAttempts => (
            "Too many attempts. Try again in a few minutes.",
            "Trop de tentatives. Réessayez dans quelques minutes.",
        ),
        Welcome => ("Welcome", "Bienvenue"),
        YourRole => ("Your role", "Votre rôle"),
        YourClinics => ("Your clinics", "Vos cliniques"),
        Loading => ("Loading…", "Chargement…"),
        Code => ("Code", "Code"),
        Name => ("Name", "Nom"),
        Active => ("Active", "Actif"),
        Inactive => ("Inactive", "Inactif"),
        Status => ("Status", "État"),
        Actions => ("Actions", "Actions"),
        Edit => ("Edit", "Modifier"),
        Save => ("Save", "Enregistrer"),
        Saved => ("Saved.", "Enregistré."),
        Create => ("Create", "Créer"),
        Cancel => ("Cancel", "Annuler"),
        NewClinic => ("New clinic", "Nouvelle clinique"),
        EditClinic => ("Edit clinic", "Modifier la clinique"),
        NewUser => ("New user", "Nouvel utilisateur"),
        EditUser => ("Edit user", "Modifier l'utilisateur"),
        DisplayName => ("Full name", "Nom complet"),
        Role => ("Role", "Rôle"),
        Clinics => ("Clinics", "Cliniques"),
        NewPasswordOptional => (
            "New password (leave empty to keep)",
            "Nouveau mot de passe (vide pour conserver)",
        ),
        InitialPassword => ("Initial password", "Mot de passe initial"),
        NoClinics => ("No clinic.", "Aucune clinique."),
        NotFound => ("Not found.", "Introuvable."),
        Forbidden => (
            "You may not do this.",
            "Vous n'avez pas accès à cette fonction.",
        ),
        ErrorPrefix => ("Error:", "Erreur :"),
        RoleAdministrator => ("Administrator", "Administrateur"),
        RoleClinicStaff => ("Clinic staff", "Personnel de clinique"),
        RoleRadiologist => ("Radiologist", "Radiologiste"),
        RoleReferringPhysician => ("Referring physician", "Médecin référent"),
        Language => ("Language", "Langue"),
        PasswordRule => ("At least 12 characters.", "Au moins 12 caractères."),
    }
}

/// The label of a role.
pub fn role_msg(r: domain::Role) -> Msg {
    match r {
        domain::Role::Administrator => Msg::RoleAdministrator,
        domain::Role::ClinicStaff => Msg::RoleClinicStaff,
        domain::Role::Radiologist => Msg::RoleRadiologist,
        domain::Role::ReferringPhysician => Msg::RoleReferringPhysician,
    }
}

/// A validation error of the domain types, in the user's language.
pub fn describe(l: Locale, e: &domain::NameError) -> String {
    use domain::NameError::*;
    let field = |f: &str| -> String {
        let fr = match f {
            "user name" => "le nom d'utilisateur",
            "display name" => "le nom complet",
            "clinic name" => "le nom de la clinique",
            "clinic code" => "le code de la clinique",
            "password" => "le mot de passe",
            other => other,
        };
        match l {
            Locale::En => f.to_owned(),
            Locale::Fr => fr.to_owned(),
        }
    };
    match (l, e) {
        (Locale::En, _) => e.to_string(),
        (Locale::Fr, Empty { field: f }) => format!("Indiquez {}.", field(f)),
        (Locale::Fr, TooLong { field: f, max }) => {
            format!("{} : au plus {max} caractères.", cap(&field(f)))
        }
        (Locale::Fr, TooShort { field: f, min }) => {
            format!("{} : au moins {min} caractères.", cap(&field(f)))
        }
        (Locale::Fr, BadCharacter { field: f, found }) => {
            format!(
                "{} contient un caractère non permis : {found:?}",
                cap(&field(f))
            )
        }
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The message for a field: nothing while it is empty (the submit button stays disabled).
pub fn field_error<T>(
    i18n: I18n,
    value: &str,
    parse: impl Fn(&str) -> Result<T, domain::NameError>,
) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    parse(value).err().map(|e| describe(i18n.locale(), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_cookie_then_accept_language() {
        assert_eq!(
            Locale::from_cookie_header("a=b; passerelle_lang=fr"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::from_cookie_header("a=b"), None);
        assert_eq!(
            Locale::from_accept_language("de-DE,fr-CA;q=0.8,en;q=0.5"),
            Some(Locale::Fr)
        );
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9"),
            Some(Locale::En)
        );
        assert_eq!(Locale::from_accept_language("de"), None);
    }

    #[test]
    fn both_languages_differ_where_expected() {
        assert_eq!(tr(Locale::Fr, Msg::SignIn), "Se connecter");
        assert_eq!(tr(Locale::En, Msg::SignIn), "Sign in");
    }

    #[test]
    fn validation_errors_in_french() {
        let e = domain::Username::parse("a b").expect_err("invalid");
        assert_eq!(
            describe(Locale::Fr, &e),
            "Le nom d'utilisateur contient un caractère non permis : ' '"
        );
        assert!(describe(Locale::En, &e).contains("not allowed"));
    }
}
