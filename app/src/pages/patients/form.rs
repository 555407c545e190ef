//! The patient form: record number, names, birth date, sex, language, RAMQ number, contact.
//! Checked as typed with the domain's rules; a RAMQ number that disagrees with the record is
//! shown as a warning and saved only once the user confirms.

use crate::api::{ApiError, SavePatient, get_patient_file, list_clinics, study_patient};
use crate::forms::{clinic_select, first_clinic, input_field, plain_field};
use crate::i18n::{
    I18n, Localized, Msg, Rg, field_error, language_label, ramq_warning, sex_label, use_i18n,
};
use crate::widgets::{ErrorMsg, Loading};
use domain::registry::{CivilDate, Language, PatientInput, Sex};
use domain::views::ClinicView;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    clinic: RwSignal<i64>,
    mrn: RwSignal<String>,
    family: RwSignal<String>,
    given: RwSignal<String>,
    birth: RwSignal<String>,
    sex: RwSignal<Sex>,
    language: RwSignal<Language>,
    ramq: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
    address: RwSignal<String>,
}

impl Fields {
    fn new(id: Option<i64>, f: PatientInput) -> Self {
        Self {
            id,
            clinic: RwSignal::new(f.clinic),
            mrn: RwSignal::new(f.mrn),
            family: RwSignal::new(f.family_name),
            given: RwSignal::new(f.given_name),
            birth: RwSignal::new(f.birth_date),
            sex: RwSignal::new(f.sex),
            language: RwSignal::new(f.language),
            ramq: RwSignal::new(f.ramq),
            phone: RwSignal::new(f.phone),
            email: RwSignal::new(f.email),
            address: RwSignal::new(f.address),
        }
    }

    fn input(self, confirm: bool) -> PatientInput {
        PatientInput {
            clinic: self.clinic.get(),
            mrn: self.mrn.get(),
            family_name: self.family.get(),
            given_name: self.given.get(),
            birth_date: self.birth.get(),
            sex: self.sex.get(),
            language: self.language.get(),
            phone: self.phone.get(),
            email: self.email.get(),
            address: self.address.get(),
            ramq: self.ramq.get(),
            confirm_warnings: confirm,
        }
    }

    /// The browser's check (the birth date's "not in the future" is the server's).
    fn check(self) -> Result<domain::registry::ValidPatient, domain::registry::FieldError> {
        self.input(false)
            .check(CivilDate::new(9999, 12, 31).unwrap_or(CivilDate::EPOCH))
    }
}

async fn load(
    id: Option<i64>,
    from_study: Option<i64>,
) -> Result<(PatientInput, Vec<ClinicView>), ApiError> {
    let clinics = list_clinics().await?;
    let form = match (id, from_study) {
        (Some(id), _) => {
            let p = get_patient_file(id).await?.patient;
            PatientInput {
                clinic: p.clinic.0,
                mrn: p.mrn,
                family_name: p.name.family,
                given_name: p.name.given,
                birth_date: p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                sex: p.sex,
                language: p.language,
                phone: p.contact.phone.map(String::from).unwrap_or_default(),
                email: p.contact.email.map(String::from).unwrap_or_default(),
                address: p.contact.address,
                ramq: p.ramq,
                confirm_warnings: false,
            }
        }
        (None, Some(study)) => study_patient(study).await?,
        (None, None) => PatientInput {
            clinic: first_clinic(&clinics),
            ..Default::default()
        },
    };
    Ok((form, clinics))
}

#[component]
pub fn PatientEditPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || (params.read().get("id"), query.read().get("from_study")),
        |(id, study)| async move {
            let id = super::super::id_param(id).map_err(|()| ApiError::NotFound)?;
            let study = study.and_then(|s| s.parse().ok());
            Ok::<_, ApiError>((id, load(id, study).await?))
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((id, (form, clinics))) => view! { <PatientEditor id form clinics /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn sex_select(i18n: I18n, sex: RwSignal<Sex>) -> impl IntoView {
    let options = Sex::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=move || sex.get() == s>{move || sex_label(i18n.locale(), s)}</option> })
        .collect_view();
    view! {
        <label class="field"><span class="label">{move || i18n.rg(Rg::Sex)}</span>
            <select name="sex" on:change=move |ev| if let Ok(s) = Sex::parse(&event_target_value(&ev)) { sex.set(s) }>{options}</select>
        </label>
    }
}

fn language_select(i18n: I18n, lang: RwSignal<Language>) -> impl IntoView {
    let options = [Language::Fr, Language::En]
        .into_iter()
        .map(|l| view! { <option value=l.as_str() selected=move || lang.get() == l>{move || language_label(i18n.locale(), l)}</option> })
        .collect_view();
    view! {
        <label class="field"><span class="label">{move || i18n.rg(Rg::Language)}</span>
            <select name="language" on:change=move |ev| if let Some(l) = Language::from_code(&event_target_value(&ev)) { lang.set(l) }>{options}</select>
        </label>
    }
}

/// The RAMQ field: its own error, and the live disagreements with the record.
fn ramq_field(i18n: I18n, f: Fields) -> impl IntoView {
    let error = move || field_error(i18n, &f.ramq.get(), domain::registry::Ramq::parse);
    let warnings = move || {
        f.check()
            .map(|v| {
                v.warnings
                    .iter()
                    .map(|w| ramq_warning(i18n.locale(), w))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|w| view! { <li>{w}</li> })
            .collect_view()
    };
    view! {
        <label class="field">
            <span class="label">{move || i18n.rg(Rg::Ramq)}</span>
            <input name="ramq" bind:value=f.ramq autocomplete="off" placeholder="ABCD 1234 5678" />
            <small class="hint">{move || i18n.rg(Rg::RamqHint)}</small>
            <small class="field-error" data-for="ramq">{error}</small>
            <ul class="warnings" id="ramq-warnings">{warnings}</ul>
        </label>
    }
}

fn identity(i18n: I18n, f: Fields, clinics: &[ClinicView]) -> impl IntoView + use<> {
    let mrn_error = move || field_error(i18n, &f.mrn.get(), domain::registry::Mrn::parse);
    let name_error = move || {
        let (fam, giv) = (f.family.get(), f.given.get());
        if fam.is_empty() && giv.is_empty() {
            return None;
        }
        domain::registry::PersonName::new(&fam, &giv)
            .err()
            .map(|e| e.localized(i18n.locale()))
    };
    let birth_error = move || {
        field_error(i18n, &f.birth.get(), |s| {
            CivilDate::parse(domain::registry::FieldName::BirthDate, s)
        })
    };
    view! {
        {clinic_select(i18n, clinics, f.clinic, f.id.is_some())}
        {input_field(i18n, Rg::Mrn, ("mrn", "text"), f.mrn, mrn_error)}
        {input_field(i18n, Rg::FamilyName, ("family_name", "text"), f.family, name_error)}
        {plain_field(i18n, Rg::GivenName, "given_name", f.given)}
        {input_field(i18n, Rg::BirthDate, ("birth_date", "date"), f.birth, birth_error)}
        {sex_select(i18n, f.sex)}
        {language_select(i18n, f.language)}
    }
}

fn contact(i18n: I18n, f: Fields) -> impl IntoView {
    let phone_error = move || field_error(i18n, &f.phone.get(), domain::registry::Phone::parse);
    let email_error = move || field_error(i18n, &f.email.get(), domain::registry::Email::parse);
    view! {
        {ramq_field(i18n, f)}
        {input_field(i18n, Rg::Phone, ("phone", "tel"), f.phone, phone_error)}
        {input_field(i18n, Rg::Email, ("email", "email"), f.email, email_error)}
        {plain_field(i18n, Rg::Address, "address", f.address)}
    }
}

#[component]
fn PatientEditor(id: Option<i64>, form: PatientInput, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(id, form);
    let save = ServerAction::<SavePatient>::new();
    Effect::new(move |_| {
        if let Some(Ok(p)) = save.value().get() {
            use_navigate()(&format!("/patients/{}", p.id), Default::default());
        }
    });
    let send = move |confirm: bool| {
        save.dispatch(SavePatient {
            id: f.id,
            input: f.input(confirm),
        });
    };
    let warned = move || matches!(save.value().get(), Some(Err(ApiError::Warnings(_))));
    let title = if id.is_some() {
        Rg::EditPatient
    } else {
        Rg::NewPatient
    };
    let back = id
        .map(|i| format!("/patients/{i}"))
        .unwrap_or_else(|| "/patients".into());
    view! {
        <section class="card">
            <h1>{move || i18n.rg(title)}</h1>
            <form id="patient-form" class="form-grid" on:submit=move |ev| { ev.prevent_default(); send(false); }>
                {identity(i18n, f, &clinics)}
                {contact(i18n, f)}
                <div class="span-all">
                    {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                    {move || warned().then(|| view! {
                        <button type="button" id="save-anyway" class="warn" on:click=move |_| send(true)>{move || i18n.rg(Rg::SaveAnyway)}</button>
                    })}
                </div>
                <div class="actions span-all">
                    <a class="button secondary" href=back>{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || f.check().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
