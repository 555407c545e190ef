//! The radiologist editor (administrators): the account, CMQ licence and its expiry,
//! subspecialties, modalities read, clinics credentialed (each with an expiry), weekly
//! availability in Montreal time, absences, and the most open tasks at once.

use crate::api::{ApiError, SaveRadiologist, get_radiologist, list_accounts, list_clinics};
use crate::forms::input_field;
use crate::i18n::{I18n, Localized, Msg, Rg, subspecialty_label, use_i18n, weekday_label};
use crate::widgets::{ErrorMsg, Loading};
use domain::registry::{
    Absence, COMMON_MODALITIES, Credential, FieldError, RadiologistInput, Subspecialty, WeeklySlot,
    hhmm,
};
use domain::views::{ClinicView, UserView};
use domain::{ClinicId, Role};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

#[derive(Clone, Copy)]
struct SlotRow {
    key: u32,
    day: RwSignal<u8>,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct AbsenceRow {
    key: u32,
    from: RwSignal<String>,
    to: RwSignal<String>,
    reason: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    user: RwSignal<i64>,
    licence: RwSignal<String>,
    expiry: RwSignal<String>,
    subs: RwSignal<Vec<Subspecialty>>,
    mods: RwSignal<Vec<String>>,
    /// Clinic id → expiry text (empty: none), for the clinics credentialed.
    creds: RwSignal<Vec<(i64, String)>>,
    slots: RwSignal<Vec<SlotRow>>,
    absences: RwSignal<Vec<AbsenceRow>>,
    max_open: RwSignal<String>,
    active: RwSignal<bool>,
    next_key: StoredValue<u32>,
}

impl Fields {
    fn key(self) -> u32 {
        let k = self.next_key.get_value();
        self.next_key.set_value(k + 1);
        k
    }

    fn add_slot(self, day: u8, start: String, end: String) {
        let row = SlotRow {
            key: self.key(),
            day: RwSignal::new(day),
            start: RwSignal::new(start),
            end: RwSignal::new(end),
        };
        self.slots.update(|v| v.push(row));
    }

    fn add_absence(self, from: String, to: String, reason: String) {
        let row = AbsenceRow {
            key: self.key(),
            from: RwSignal::new(from),
            to: RwSignal::new(to),
            reason: RwSignal::new(reason),
        };
        self.absences.update(|v| v.push(row));
    }

    fn new(r: &RadiologistInput) -> Self {
        let f = Self {
            user: RwSignal::new(r.user_id),
            licence: RwSignal::new(r.licence.clone()),
            expiry: RwSignal::new(r.licence_expiry.clone()),
            subs: RwSignal::new(r.subspecialties.clone()),
            mods: RwSignal::new(r.modalities.clone()),
            creds: RwSignal::new(
                r.credentials
                    .iter()
                    .map(|c| {
                        (
                            c.clinic.0,
                            c.expires_on.map(|d| d.to_string()).unwrap_or_default(),
                        )
                    })
                    .collect(),
            ),
            slots: RwSignal::new(vec![]),
            absences: RwSignal::new(vec![]),
            max_open: RwSignal::new(r.max_open_tasks.to_string()),
            active: RwSignal::new(r.active),
            next_key: StoredValue::new(0),
        };
        for s in &r.availability {
            f.add_slot(s.weekday.number(), hhmm(s.start_minute), hhmm(s.end_minute));
        }
        for a in &r.absences {
            f.add_absence(a.from.to_string(), a.to.to_string(), a.reason.clone());
        }
        f
    }

    fn input(self) -> Result<RadiologistInput, FieldError> {
        let availability = self
            .slots
            .get()
            .iter()
            .map(|s| WeeklySlot::new(s.day.get(), &s.start.get(), &s.end.get()))
            .collect::<Result<Vec<_>, _>>()?;
        let absences = self
            .absences
            .get()
            .iter()
            .map(|a| Absence::new(&a.from.get(), &a.to.get(), &a.reason.get()))
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = self
            .creds
            .get()
            .into_iter()
            .map(|(c, e)| {
                let expires_on = if e.trim().is_empty() {
                    None
                } else {
                    Some(domain::registry::CivilDate::parse(
                        domain::registry::FieldName::Credentials,
                        &e,
                    )?)
                };
                Ok(Credential {
                    clinic: ClinicId(c),
                    expires_on,
                })
            })
            .collect::<Result<Vec<_>, FieldError>>()?;
        let input = RadiologistInput {
            user_id: self.user.get(),
            licence: self.licence.get(),
            licence_expiry: self.expiry.get(),
            subspecialties: self.subs.get(),
            modalities: self.mods.get(),
            credentials,
            availability,
            absences,
            max_open_tasks: self.max_open.get().trim().parse().unwrap_or(0),
            active: self.active.get(),
        };
        input.check()?;
        Ok(input)
    }
}

type Data = (
    Option<i64>,
    RadiologistInput,
    Vec<ClinicView>,
    Vec<UserView>,
);

async fn load(id: Option<i64>) -> Result<Data, ApiError> {
    let clinics = list_clinics().await?;
    let accounts = list_accounts(Role::Radiologist).await?;
    let input = match id {
        Some(id) => {
            let r = get_radiologist(id).await?;
            RadiologistInput {
                user_id: r.user_id,
                licence: r.licence,
                licence_expiry: r.licence_expiry.to_string(),
                subspecialties: r.subspecialties,
                modalities: r.modalities,
                credentials: r.credentials,
                availability: r.availability,
                absences: r.absences,
                max_open_tasks: r.max_open_tasks,
                active: r.active,
            }
        }
        None => RadiologistInput {
            user_id: accounts.first().map(|a| a.id.0).unwrap_or(0),
            licence: String::new(),
            licence_expiry: String::new(),
            subspecialties: vec![],
            modalities: vec![],
            credentials: vec![],
            availability: vec![],
            absences: vec![],
            max_open_tasks: 20,
            active: true,
        },
    };
    Ok((id, input, clinics, accounts))
}

#[component]
pub fn RadiologistEditPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id"),
        |raw| async move { load(crate::pages::id_param(raw).map_err(|()| ApiError::NotFound)?).await },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((id, input, clinics, accounts)) => view! { <RadiologistEditor id input clinics accounts /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn toggles<T: Clone + PartialEq + Send + Sync + 'static>(
    items: Vec<(T, String)>,
    chosen: RwSignal<Vec<T>>,
    name: &'static str,
) -> impl IntoView {
    items
        .into_iter()
        .map(|(v, label)| {
            let (a, b) = (v.clone(), v);
            view! {
                <label class="check"><input type="checkbox" name=name
                    prop:checked=move || chosen.read().contains(&a)
                    on:change=move |ev| { let on = event_target_checked(&ev); let b = b.clone(); chosen.update(|l| { l.retain(|x| *x != b); if on { l.push(b) } }); } />
                    {label}</label>
            }
        })
        .collect_view()
}

fn credentials(
    clinics: &[ClinicView],
    creds: RwSignal<Vec<(i64, String)>>,
    i18n: I18n,
) -> impl IntoView + use<> {
    clinics
        .iter()
        .map(|c| {
            let id = c.id.0;
            let expiry = move || creds.read().iter().find(|(x, _)| *x == id).map(|(_, e)| e.clone()).unwrap_or_default();
            view! {
                <div class="cred">
                    <label class="check"><input type="checkbox" name="credential" value=id.to_string()
                        prop:checked=move || creds.read().iter().any(|(x, _)| *x == id)
                        on:change=move |ev| { let on = event_target_checked(&ev); creds.update(|v| { v.retain(|(x, _)| *x != id); if on { v.push((id, String::new())) } }); } />
                        {c.code.to_string()} " — " {c.name.to_string()}</label>
                    <label>{move || i18n.rg(Rg::CredentialUntil)}
                        <input type="date" prop:value=expiry on:change=move |ev| {
                            let v = event_target_value(&ev);
                            creds.update(|l| if let Some(e) = l.iter_mut().find(|(x, _)| *x == id) { e.1 = v.clone() });
                        } /></label>
                </div>
            }
        })
        .collect_view()
}

fn slot_rows(i18n: I18n, f: Fields) -> impl IntoView {
    let day_options = move |day: RwSignal<u8>| {
        (1u8..=7).map(move |d| view! { <option value=d.to_string() selected=move || day.get() == d>{move || weekday_label(i18n.locale(), d)}</option> }).collect_view()
    };
    view! {
        <fieldset class="span-all" id="availability"><legend>{move || i18n.rg(Rg::Availability)}</legend>
            <For each=move || f.slots.get() key=|s| s.key let:s>
                <div class="row-edit slot">
                    <select name="weekday" on:change=move |ev| s.day.set(event_target_value(&ev).parse().unwrap_or(1))>{day_options(s.day)}</select>
                    <input type="time" name="start" bind:value=s.start />
                    <input type="time" name="end" bind:value=s.end />
                    <button type="button" class="secondary" on:click=move |_| f.slots.update(|v| v.retain(|x| x.key != s.key))>{move || i18n.rg(Rg::Remove)}</button>
                </div>
            </For>
            <button type="button" class="secondary" id="add-slot" on:click=move |_| f.add_slot(1, "08:00".into(), "16:00".into())>{move || i18n.rg(Rg::AddSlot)}</button>
        </fieldset>
        <fieldset class="span-all" id="absences"><legend>{move || i18n.rg(Rg::Absences)}</legend>
            <For each=move || f.absences.get() key=|a| a.key let:a>
                <div class="row-edit">
                    <input type="date" name="absence_from" bind:value=a.from />
                    <input type="date" name="absence_to" bind:value=a.to />
                    <input name="absence_reason" bind:value=a.reason placeholder=move || i18n.rg(Rg::Reason) />
                    <button type="button" class="secondary" on:click=move |_| f.absences.update(|v| v.retain(|x| x.key != a.key))>{move || i18n.rg(Rg::Remove)}</button>
                </div>
            </For>
            <button type="button" class="secondary" id="add-absence" on:click=move |_| f.add_absence(String::new(), String::new(), String::new())>{move || i18n.rg(Rg::AddAbsence)}</button>
        </fieldset>
    }
}

#[component]
fn RadiologistEditor(
    id: Option<i64>,
    input: RadiologistInput,
    clinics: Vec<ClinicView>,
    accounts: Vec<UserView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(&input);
    let save = ServerAction::<SaveRadiologist>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            use_navigate()("/radiologists", Default::default());
        }
    });
    let account_options = accounts.iter().map(|a| {
        let uid = a.id.0;
        view! { <option value=uid.to_string() selected=move || f.user.get() == uid>{a.display_name.to_string()} " (" {a.username.to_string()} ")"</option> }
    }).collect_view();
    let subs = Subspecialty::ALL
        .into_iter()
        .map(|s| (s, subspecialty_label(i18n.locale(), s).to_owned()))
        .collect();
    let mods = COMMON_MODALITIES
        .iter()
        .map(|m| ((*m).to_owned(), (*m).to_owned()))
        .collect();
    let problem = move || f.input().err().map(|e| e.localized(i18n.locale()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(input) = f.input() {
            save.dispatch(SaveRadiologist { id, input });
        }
    };
    view! {
        <section class="card">
            <h1>{move || i18n.rg(if id.is_some() { Rg::EditRadiologist } else { Rg::NewRadiologist })}</h1>
            <form id="radiologist-form" class="form-grid" on:submit=submit>
                <label class="field"><span class="label">{move || i18n.rg(Rg::Account)}</span>
                    <select name="user" on:change=move |ev| f.user.set(event_target_value(&ev).parse().unwrap_or(0))>{account_options}</select>
                    <small class="hint">{move || i18n.rg(Rg::AccountsHint)}</small></label>
                {input_field(i18n, Rg::Licence, ("licence", "text"), f.licence, || None)}
                {input_field(i18n, Rg::LicenceExpiry, ("licence_expiry", "date"), f.expiry, || None)}
                {input_field(i18n, Rg::MaxOpen, ("max_open", "number"), f.max_open, || None)}
                <fieldset class="span-all"><legend>{move || i18n.rg(Rg::Subspecialties)}</legend><div class="checks">{toggles(subs, f.subs, "subspecialty")}</div></fieldset>
                <fieldset class="span-all"><legend>{move || i18n.rg(Rg::ModalitiesRead)}</legend><div class="checks">{toggles(mods, f.mods, "modality")}</div></fieldset>
                <fieldset class="span-all" id="credentials"><legend>{move || i18n.rg(Rg::Credentials)}</legend>{credentials(&clinics, f.creds, i18n)}</fieldset>
                {slot_rows(i18n, f)}
                <label class="check"><input type="checkbox" name="active" bind:checked=f.active />{move || i18n.t(Msg::Active)}</label>
                <p class="field-error span-all" id="radiologist-problem">{problem}</p>
                <div class="span-all">{move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}</div>
                <div class="actions span-all">
                    <a class="button secondary" href="/radiologists">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || f.input().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
