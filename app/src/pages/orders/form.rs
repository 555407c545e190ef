//! The order form: clinic, patient (found with the picker), procedure of the clinic's catalogue,
//! referring physician, priority, scheduled time (Montreal), station, modality, accession number
//! (assigned by Passerelle when left empty) and reason. Checked with the domain's rules.

use crate::api::{
    ApiError, SaveOrder, get_order, get_patient_file, list_clinics, list_physicians,
    list_procedures,
};
use crate::forms::{clinic_select, first_clinic, input_field, plain_field};
use crate::i18n::{I18n, Localized, Msg, Rg, priority_label, use_i18n};
use crate::pages::patients::picker::PatientPicker;
use crate::widgets::{ErrorMsg, Loading};
use domain::orders::{OrderInput, Priority};
use domain::registry::PatientView;
use domain::views::ClinicView;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    clinic: RwSignal<i64>,
    patient: RwSignal<Option<PatientView>>,
    procedure: RwSignal<i64>,
    physician: RwSignal<Option<i64>>,
    accession: RwSignal<String>,
    priority: RwSignal<Priority>,
    reason: RwSignal<String>,
    scheduled: RwSignal<String>,
    station: RwSignal<String>,
    modality: RwSignal<String>,
}

impl Fields {
    fn input(self) -> OrderInput {
        OrderInput {
            clinic: self.clinic.get(),
            patient_id: self.patient.get().map(|p| p.id).unwrap_or(0),
            physician_id: self.physician.get(),
            procedure_id: self.procedure.get(),
            accession: self.accession.get(),
            priority: self.priority.get(),
            reason: self.reason.get(),
            scheduled_local: self.scheduled.get(),
            station_ae: self.station.get(),
            modality: self.modality.get(),
        }
    }

    fn ready(self) -> bool {
        self.patient.get().is_some() && self.procedure.get() > 0 && self.input().check().is_ok()
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Loaded {
    id: Option<i64>,
    input: OrderInput,
    patient: Option<PatientView>,
    clinics: Vec<ClinicView>,
}

async fn load(
    id: Option<i64>,
    patient: Option<i64>,
    clinic: Option<i64>,
) -> Result<Loaded, ApiError> {
    let clinics = list_clinics().await?;
    if let Some(id) = id {
        let o = get_order(id).await?;
        let p = get_patient_file(o.row.patient_id).await?.patient;
        let input = OrderInput {
            clinic: o.row.clinic.0,
            patient_id: p.id,
            physician_id: o.physician_id,
            procedure_id: o.procedure_id,
            accession: o.row.accession.clone(),
            priority: o.row.priority,
            reason: o.reason.clone(),
            scheduled_local: o.row.scheduled_local.replace(' ', "T"),
            station_ae: o.row.station_ae.clone(),
            modality: o.row.modality.clone(),
        };
        return Ok(Loaded {
            id: Some(id),
            input,
            patient: Some(p),
            clinics,
        });
    }
    let patient = match patient {
        Some(p) => Some(get_patient_file(p).await?.patient),
        None => None,
    };
    let clinic = patient
        .as_ref()
        .map(|p| p.clinic.0)
        .or(clinic)
        .unwrap_or_else(|| first_clinic(&clinics));
    let input = OrderInput {
        clinic,
        ..Default::default()
    };
    Ok(Loaded {
        id: None,
        input,
        patient,
        clinics,
    })
}

#[component]
pub fn OrderEditPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("id"),
                query.read().get("patient"),
                query.read().get("clinic"),
            )
        },
        |(id, patient, clinic)| async move {
            let id = crate::pages::id_param(id).map_err(|()| ApiError::NotFound)?;
            let num = |s: Option<String>| s.and_then(|s| s.parse().ok());
            load(id, num(patient), num(clinic)).await
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <OrderEditor id=l.id input=l.input patient=l.patient clinics=l.clinics /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The clinic's active procedures and its physicians, for the selects.
fn references(i18n: I18n, f: Fields) -> impl IntoView {
    let data = Resource::new(
        move || f.clinic.get(),
        |clinic| async move {
            let procs = list_procedures(Some(clinic)).await?;
            let docs = list_physicians(String::new()).await?;
            Ok::<_, ApiError>((procs, docs, clinic))
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (procs, docs, clinic) = match data.await {
                    Ok(x) => x,
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                let fr = i18n.locale() == crate::i18n::Locale::Fr;
                let proc_options = procs.into_iter().filter(|p| p.active).map(|p| {
                    let id = p.id;
                    let label = format!("{} — {}", p.code, if fr { &p.name_fr } else { &p.name_en });
                    view! { <option value=id.to_string() selected=move || f.procedure.get() == id>{label}</option> }
                }).collect_view();
                let doc_options = docs.into_iter().filter(|d| d.active && d.clinics.iter().any(|c| c.0 == clinic)).map(|d| {
                    let id = d.id;
                    view! { <option value=id.to_string() selected=move || f.physician.get() == Some(id)>{d.name.sortable()} " · " {d.licence.clone()}</option> }
                }).collect_view();
                view! {
                    <label class="field"><span class="label">{move || i18n.rg(Rg::Procedure)}</span>
                        <select name="procedure" on:change=move |ev| f.procedure.set(event_target_value(&ev).parse().unwrap_or(0))>
                            <option value="0">"—"</option>{proc_options}
                        </select></label>
                    <label class="field"><span class="label">{move || i18n.rg(Rg::Physician)}</span>
                        <select name="physician" on:change=move |ev| f.physician.set(event_target_value(&ev).parse().ok())>
                            <option value="">{move || i18n.rg(Rg::NoPhysician)}</option>{doc_options}
                        </select></label>
                }.into_any()
            })}
        </Transition>
    }
}

fn priority_buttons(i18n: I18n, p: RwSignal<Priority>) -> impl IntoView {
    let buttons = Priority::ALL
        .into_iter()
        .map(|x| view! {
            <button type="button" class=format!("seg priority-{}", x.as_str()) aria-pressed=move || (p.get() == x).to_string()
                data-priority=x.as_str() on:click=move |_| p.set(x)>{move || priority_label(i18n.locale(), x)}</button>
        })
        .collect_view();
    view! {
        <div class="field"><span class="label">{move || i18n.rg(Rg::Priority)}</span>
            <div class="segmented" role="group">{buttons}</div></div>
    }
}

fn error_of(
    i18n: I18n,
    f: Fields,
    field: domain::registry::FieldName,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || match f.input().check() {
        Err(e) if e.field == field => Some(e.localized(i18n.locale())),
        _ => None,
    }
}

#[component]
fn OrderEditor(
    id: Option<i64>,
    input: OrderInput,
    patient: Option<PatientView>,
    clinics: Vec<ClinicView>,
) -> impl IntoView {
    use domain::registry::FieldName as F;
    let i18n = use_i18n();
    let f = Fields {
        id,
        clinic: RwSignal::new(input.clinic),
        patient: RwSignal::new(patient),
        procedure: RwSignal::new(input.procedure_id),
        physician: RwSignal::new(input.physician_id),
        accession: RwSignal::new(input.accession),
        priority: RwSignal::new(input.priority),
        reason: RwSignal::new(input.reason),
        scheduled: RwSignal::new(input.scheduled_local),
        station: RwSignal::new(input.station_ae),
        modality: RwSignal::new(input.modality),
    };
    let save = ServerAction::<SaveOrder>::new();
    Effect::new(move |_| {
        if let Some(Ok(o)) = save.value().get() {
            use_navigate()(&format!("/orders/{}", o.row.id), Default::default());
        }
    });
    let title = if id.is_some() {
        Rg::EditOrder
    } else {
        Rg::NewOrder
    };
    let clinic = Signal::derive(move || Some(f.clinic.get()));
    view! {
        <section class="card">
            <h1>{move || i18n.rg(title)}</h1>
            <form id="order-form" class="form-grid" on:submit=move |ev| { ev.prevent_default(); save.dispatch(SaveOrder { id: f.id, input: f.input() }); }>
                {clinic_select(i18n, &clinics, f.clinic, f.id.is_some())}
                <div class="field span-2"><span class="label">{move || i18n.t(Msg::Patient)}</span>
                    <PatientPicker chosen=f.patient clinic /></div>
                {references(i18n, f)}
                {priority_buttons(i18n, f.priority)}
                {input_field(i18n, Rg::Scheduled, ("scheduled", "datetime-local"), f.scheduled, error_of(i18n, f, F::ScheduledAt))}
                {input_field(i18n, Rg::Station, ("station_ae", "text"), f.station, error_of(i18n, f, F::StationAe))}
                {input_field(i18n, Rg::Accession, ("accession", "text"), f.accession, error_of(i18n, f, F::Accession))}
                {plain_field(i18n, Rg::Reason, "reason", f.reason)}
                <div class="span-all">{move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}</div>
                <div class="actions span-all">
                    <a class="button secondary" href="/orders">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || !f.ready() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
