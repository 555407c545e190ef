//! French and English UI text: a typed message table (a missing translation is a compile error),
//! the locale signal, and how the locale is chosen (cookie, then Accept-Language) and remembered.

use leptos::prelude::*;

mod audit;
mod completeness;
mod messages;
mod performed;
mod query;
mod registry;
mod registry_errors;
mod routing;
mod tokens;
pub use audit::{Au, au, audit_action, audit_outcome};
pub use completeness::completeness_label;
pub use messages::Msg;
use messages::pair;
pub use performed::{Ps, step_status};
pub use query::{Qr, query_error, retrieve_state};
pub use registry::{
    Rg, channel_label, language_label, priority_label, rg, sex_label, status_label,
    subspecialty_label, weekday_label,
};
pub use registry_errors::ramq_warning;
pub use routing::{Rt, rt, rule_error};
pub use tokens::{Tk, tk, token_error};

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

/// The text of `m` in `l`.
pub fn tr(l: Locale, m: Msg) -> &'static str {
    let (en, fr) = pair(m);
    match l {
        Locale::En => en,
        Locale::Fr => fr,
    }
}

/// The label of a node role.
pub fn node_role_msg(r: domain::NodeRole) -> Msg {
    match r {
        domain::NodeRole::Pacs => Msg::NodeRolePacs,
        domain::NodeRole::Vna => Msg::NodeRoleVna,
        domain::NodeRole::Modality => Msg::NodeRoleModality,
        domain::NodeRole::Viewer => Msg::NodeRoleViewer,
    }
}

/// The label of a jurisdiction.
pub fn jurisdiction_msg(j: domain::Jurisdiction) -> Msg {
    match j {
        domain::Jurisdiction::Quebec => Msg::JurQuebec,
        domain::Jurisdiction::CanadaOutsideQuebec => Msg::JurCanada,
        domain::Jurisdiction::OutsideCanada => Msg::JurOutside,
    }
}

/// The label of a caller policy.
pub fn policy_msg(p: domain::CallerPolicy) -> Msg {
    match p {
        domain::CallerPolicy::Any => Msg::PolicyAny,
        domain::CallerPolicy::KnownNodes => Msg::PolicyKnownNodes,
        domain::CallerPolicy::Listed => Msg::PolicyListed,
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

/// A validation error that can be shown in the user's language.
pub trait Localized {
    fn localized(&self, l: Locale) -> String;
}

impl Localized for domain::NameError {
    fn localized(&self, l: Locale) -> String {
        describe(l, self)
    }
}

impl Localized for domain::AeTitleError {
    fn localized(&self, l: Locale) -> String {
        use domain::AeTitleError::*;
        match (l, self) {
            (Locale::En, e) => e.to_string(),
            (Locale::Fr, Empty) => "Indiquez le titre AE.".into(),
            (Locale::Fr, TooLong) => "Le titre AE : au plus 16 caractères.".into(),
            (Locale::Fr, BadCharacter(c)) => {
                format!("Le titre AE contient un caractère non permis : {c:?}")
            }
        }
    }
}

impl Localized for domain::NetworkError {
    fn localized(&self, l: Locale) -> String {
        use domain::NetworkError::*;
        match (l, self) {
            (Locale::En, e) => e.to_string(),
            (Locale::Fr, Port) => "Le port doit être entre 1 et 65535.".into(),
            (Locale::Fr, Host) => "Indiquez un nom d'hôte ou une adresse IP.".into(),
            (Locale::Fr, Unknown(v)) => format!("Valeur inconnue : {v:?}"),
        }
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
pub fn field_error<T, E: Localized>(
    i18n: I18n,
    value: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    parse(value).err().map(|e| e.localized(i18n.locale()))
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
