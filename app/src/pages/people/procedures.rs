//! The procedure catalogue of the user's clinics: the list and the editor (code, names in both
//! languages, modality, body part, expected series, subspecialty, turnaround per priority,
//! reading weight).

use crate::api::{ApiError, SaveProcedure, get_procedure, list_clinics, list_procedures};
use crate::forms::{clinic_select, code_of, first_clinic, input_field, plain_field};
use crate::i18n::{I18n, Locale, Localized, Msg, Rg, subspecialty_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::registry::{ProcedureInput, ProcedureView, Subspecialty, Turnaround};
use domain::views::ClinicView;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

fn table(i18n: I18n, list: &[ProcedureView], clinics: &[ClinicView]) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoProcedures)}</p> }.into_any();
    }
    let rows = list
        .iter()
        .map(|p| {
            let (fr, en) = (p.name_fr.clone(), p.name_en.clone());
            let sub = p.subspecialty;
            let req = p.subspecialty_required;
            let t = p.turnaround;
            view! {
                <tr class:inactive=!p.active>
                    <td><a href=format!("/procedures/{}", p.id)>{p.code.clone()}</a></td>
                    <td>{move || if i18n.locale() == Locale::Fr { fr.clone() } else { en.clone() }}</td>
                    <td>{p.modality.clone()} " · " {p.body_part.clone()}</td>
                    <td class="num">{p.expected_series}</td>
                    <td>{move || sub.map(|s| subspecialty_label(i18n.locale(), s)).unwrap_or("—")} {req.then_some(" *")}</td>
                    <td>{format!("{} / {} / {} min", t.stat_minutes, t.urgent_minutes, t.routine_minutes)}</td>
                    <td>{code_of(clinics, p.clinic)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="procedures">
            <thead><tr><th>{move || i18n.t(Msg::Code)}</th><th>{move || i18n.t(Msg::Name)}</th>
                <th>{move || i18n.t(Msg::Modality)}</th><th>{move || i18n.rg(Rg::ExpectedSeries)}</th>
                <th>{move || i18n.rg(Rg::Subspecialty)}</th><th>{move || i18n.rg(Rg::Turnaround)}</th>
                <th>{move || i18n.t(Msg::Clinic)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn ProceduresPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(
        || (),
        |_| async move { Ok::<_, ApiError>((list_procedures(None).await?, list_clinics().await?)) },
    );
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(Rg::Procedures)}</h1>
            <a class="button" id="new-procedure" href="/procedures/new">{move || i18n.rg(Rg::NewProcedure)}</a>
        </div>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((list, clinics)) => table(i18n, &list, &clinics),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Fields {
    clinic: RwSignal<i64>,
    code: RwSignal<String>,
    name_fr: RwSignal<String>,
    name_en: RwSignal<String>,
    modality: RwSignal<String>,
    body_part: RwSignal<String>,
    series: RwSignal<String>,
    sub: RwSignal<Option<Subspecialty>>,
    required: RwSignal<bool>,
    stat: RwSignal<String>,
    urgent: RwSignal<String>,
    routine: RwSignal<String>,
    weight: RwSignal<String>,
    active: RwSignal<bool>,
}

fn num<T: std::str::FromStr + Default>(s: RwSignal<String>) -> T {
    s.get().trim().parse().unwrap_or_default()
}

impl Fields {
    fn new(p: ProcedureInput) -> Self {
        let t = p.turnaround;
        Self {
            clinic: RwSignal::new(p.clinic),
            code: RwSignal::new(p.code),
            name_fr: RwSignal::new(p.name_fr),
            name_en: RwSignal::new(p.name_en),
            modality: RwSignal::new(p.modality),
            body_part: RwSignal::new(p.body_part),
            series: RwSignal::new(p.expected_series.to_string()),
            sub: RwSignal::new(p.subspecialty),
            required: RwSignal::new(p.subspecialty_required),
            stat: RwSignal::new(t.stat_minutes.to_string()),
            urgent: RwSignal::new(t.urgent_minutes.to_string()),
            routine: RwSignal::new(t.routine_minutes.to_string()),
            weight: RwSignal::new(p.weight_tenths.to_string()),
            active: RwSignal::new(p.active),
        }
    }

    fn input(self) -> ProcedureInput {
        ProcedureInput {
            clinic: self.clinic.get(),
            code: self.code.get(),
            name_fr: self.name_fr.get(),
            name_en: self.name_en.get(),
            modality: self.modality.get(),
            body_part: self.body_part.get(),
            expected_series: num(self.series),
            subspecialty: self.sub.get(),
            subspecialty_required: self.required.get(),
            turnaround: Turnaround {
                stat_minutes: num(self.stat),
                urgent_minutes: num(self.urgent),
                routine_minutes: num(self.routine),
            },
            weight_tenths: num(self.weight),
            active: self.active.get(),
        }
    }
}

type Data = (Option<i64>, ProcedureInput, Vec<ClinicView>);

async fn load(id: Option<i64>) -> Result<Data, ApiError> {
    let clinics = list_clinics().await?;
    let input = match id {
        Some(id) => {
            let p = get_procedure(id).await?;
            ProcedureInput {
                clinic: p.clinic.0,
                code: p.code,
                name_fr: p.name_fr,
                name_en: p.name_en,
                modality: p.modality,
                body_part: p.body_part,
                expected_series: p.expected_series,
                subspecialty: p.subspecialty,
                subspecialty_required: p.subspecialty_required,
                turnaround: p.turnaround,
                weight_tenths: p.weight_tenths,
                active: p.active,
            }
        }
        None => ProcedureInput {
            clinic: first_clinic(&clinics),
            code: String::new(),
            name_fr: String::new(),
            name_en: String::new(),
            modality: String::new(),
            body_part: String::new(),
            expected_series: 1,
            subspecialty: None,
            subspecialty_required: false,
            turnaround: Turnaround::default(),
            weight_tenths: 10,
            active: true,
        },
    };
    Ok((id, input, clinics))
}

#[component]
pub fn ProcedureEditPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id"),
        |raw| async move { load(crate::pages::id_param(raw).map_err(|()| ApiError::NotFound)?).await },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((id, input, clinics)) => view! { <ProcedureEditor id input clinics /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn subspecialty_select(i18n: I18n, v: RwSignal<Option<Subspecialty>>) -> impl IntoView {
    let options = Subspecialty::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=move || v.get() == Some(s)>{move || subspecialty_label(i18n.locale(), s)}</option> })
        .collect_view();
    view! {
        <label class="field"><span class="label">{move || i18n.rg(Rg::Subspecialty)}</span>
            <select name="subspecialty" on:change=move |ev| v.set(Subspecialty::parse(&event_target_value(&ev)).ok())>
                <option value="">{move || i18n.rg(Rg::None)}</option>{options}</select></label>
    }
}

#[component]
fn ProcedureEditor(
    id: Option<i64>,
    input: ProcedureInput,
    clinics: Vec<ClinicView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(input);
    let save = ServerAction::<SaveProcedure>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            use_navigate()("/procedures", Default::default());
        }
    });
    let problem = move || f.input().check().err().map(|e| e.localized(i18n.locale()));
    let title = if id.is_some() {
        Rg::EditProcedure
    } else {
        Rg::NewProcedure
    };
    view! {
        <section class="card">
            <h1>{move || i18n.rg(title)}</h1>
            <form id="procedure-form" class="form-grid" on:submit=move |ev| { ev.prevent_default(); save.dispatch(SaveProcedure { id, input: f.input() }); }>
                {clinic_select(i18n, &clinics, f.clinic, id.is_some())}
                <label class="field"><span class="label">{move || i18n.t(Msg::Code)}</span><input name="code" bind:value=f.code /></label>
                {plain_field(i18n, Rg::NameFr, "name_fr", f.name_fr)}
                {plain_field(i18n, Rg::NameEn, "name_en", f.name_en)}
                {plain_field(i18n, Rg::BodyPart, "body_part", f.body_part)}
                <label class="field"><span class="label">{move || i18n.t(Msg::Modality)}</span>
                    <input name="modality" bind:value=f.modality list="modalities" /></label>
                <datalist id="modalities">{domain::registry::COMMON_MODALITIES.iter().map(|m| view! { <option value=*m /> }).collect_view()}</datalist>
                {input_field(i18n, Rg::ExpectedSeries, ("expected_series", "number"), f.series, || None)}
                {subspecialty_select(i18n, f.sub)}
                <label class="check"><input type="checkbox" name="required" bind:checked=f.required />{move || i18n.rg(Rg::SubspecialtyRequired)}</label>
                <fieldset class="span-all"><legend>{move || i18n.rg(Rg::Turnaround)} " (" {move || i18n.rg(Rg::Minutes)} ")"</legend>
                    <div class="inline">
                        {input_field(i18n, Rg::TatStat, ("tat_stat", "number"), f.stat, || None)}
                        {input_field(i18n, Rg::TatUrgent, ("tat_urgent", "number"), f.urgent, || None)}
                        {input_field(i18n, Rg::TatRoutine, ("tat_routine", "number"), f.routine, || None)}
                    </div></fieldset>
                <label class="field"><span class="label">{move || i18n.rg(Rg::Weight)}</span>
                    <input name="weight" type="number" bind:value=f.weight /><small class="hint">{move || i18n.rg(Rg::WeightHint)}</small></label>
                <label class="check"><input type="checkbox" name="active" bind:checked=f.active />{move || i18n.t(Msg::Active)}</label>
                <p class="field-error span-all" id="procedure-problem">{problem}</p>
                <div class="span-all">{move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}</div>
                <div class="actions span-all">
                    <a class="button secondary" href="/procedures">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || f.input().check().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
