//! HL7 messages: the facilities mapped to clinics (administrators edit them), and the messages
//! received with their status, error and ACK; a refused message can be processed again once its
//! cause is fixed (administrators).

use crate::MeResource;
use crate::api::{
    ApiError, ReprocessMessage, SaveFacilities, get_message, list_clinics, list_facilities,
    list_messages,
};
use crate::forms::{code_of, pager};
use crate::i18n::{I18n, Msg, Rg, use_i18n};
use crate::widgets::{ErrorMsg, Loading, utc_minute};
use domain::ClinicId;
use domain::Permission;
use domain::hl7::views::{FacilityMap, FacilitySide, MessageQuery, MessageRow, MessageStatus};
use domain::views::ClinicView;
use leptos::prelude::*;

fn status_text(i18n: I18n, s: MessageStatus) -> &'static str {
    i18n.rg(match s {
        MessageStatus::Applied => Rg::StatusApplied,
        MessageStatus::Error => Rg::StatusError,
        MessageStatus::Rejected => Rg::StatusRejected,
    })
}

#[derive(Clone, Copy)]
struct MapRow {
    key: u32,
    side: RwSignal<FacilitySide>,
    facility: RwSignal<String>,
    clinic: RwSignal<i64>,
}

#[component]
fn Facilities(maps: Vec<FacilityMap>, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let next = StoredValue::new(0u32);
    let row = move |side, facility, clinic| {
        let key = next.get_value();
        next.set_value(key + 1);
        MapRow {
            key,
            side: RwSignal::new(side),
            facility: RwSignal::new(facility),
            clinic: RwSignal::new(clinic),
        }
    };
    let rows = RwSignal::new(
        maps.into_iter()
            .map(|m| row(m.side, m.facility, m.clinic.0))
            .collect::<Vec<_>>(),
    );
    let first = clinics.first().map(|c| c.id.0).unwrap_or(0);
    let save = ServerAction::<SaveFacilities>::new();
    let clinics = StoredValue::new(clinics);
    let maps = move || {
        rows.get()
            .iter()
            .map(|r| FacilityMap {
                side: r.side.get(),
                facility: r.facility.get(),
                clinic: ClinicId(r.clinic.get()),
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card" id="facilities">
            <h2>{move || i18n.rg(Rg::Facilities)}</h2>
            <p class="hint">{move || i18n.rg(Rg::FacilitiesHint)}</p>
            <For each=move || rows.get() key=|r| r.key let:r>
                <div class="row-edit">
                    <select name="side" on:change=move |ev| if let Some(s) = FacilitySide::parse(&event_target_value(&ev)) { r.side.set(s) }>
                        <option value="sending" selected=move || r.side.get() == FacilitySide::Sending>{move || i18n.rg(Rg::SideSending)}</option>
                        <option value="receiving" selected=move || r.side.get() == FacilitySide::Receiving>{move || i18n.rg(Rg::SideReceiving)}</option>
                    </select>
                    <input name="facility" bind:value=r.facility placeholder=move || i18n.rg(Rg::Facility) />
                    <select name="clinic" on:change=move |ev| r.clinic.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {clinics.with_value(|cs| cs.iter().map(|c| { let id = c.id.0; view! { <option value=id.to_string() selected=move || r.clinic.get() == id>{c.code.to_string()}</option> } }).collect_view())}
                    </select>
                    <button type="button" class="secondary" on:click=move |_| rows.update(|v| v.retain(|x| x.key != r.key))>{move || i18n.rg(Rg::Remove)}</button>
                </div>
            </For>
            <div class="actions">
                <button type="button" class="secondary" id="add-facility" on:click=move |_| rows.update(|v| v.push(row(FacilitySide::Sending, String::new(), first)))>{move || i18n.rg(Rg::AddFacility)}</button>
                <button type="button" id="save-facilities" on:click=move |_| { save.dispatch(SaveFacilities { maps: maps() }); }>{move || i18n.t(Msg::Save)}</button>
                {move || match save.value().get() {
                    Some(Ok(_)) => view! { <span class="ok">{move || i18n.rg(Rg::SavedOk)}</span> }.into_any(),
                    Some(Err(error)) => view! { <ErrorMsg error /> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </section>
    }
}

/// A message's text and ACK, loaded when opened.
#[component]
fn MessageBody(
    id: i64,
    admin: bool,
    failed: bool,
    redo: ServerAction<ReprocessMessage>,
) -> impl IntoView {
    let i18n = use_i18n();
    let detail = Resource::new(|| (), move |_| get_message(id));
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! {
                        <h3>{move || i18n.rg(Rg::MessageText)}</h3><pre class="code hl7">{d.text}</pre>
                        <h3>{move || i18n.rg(Rg::AckSent)}</h3><pre class="code hl7">{d.ack}</pre>
                        {(admin && failed).then(|| view! {
                            <button class="reprocess" on:click=move |_| { redo.dispatch(ReprocessMessage { id }); }>{move || i18n.rg(Rg::Reprocess)}</button>
                        })}
                    }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn message_row(
    i18n: I18n,
    m: MessageRow,
    clinics: &[ClinicView],
    admin: bool,
    redo: ServerAction<ReprocessMessage>,
) -> impl IntoView + use<> {
    let open = RwSignal::new(false);
    let (id, status) = (m.id, m.status);
    let failed = status != MessageStatus::Applied;
    view! {
        <tr class=format!("msg status-{}", status.as_str())>
            <td>{utc_minute(m.received_at)}</td>
            <td>{m.sending_app.clone()} "@" {m.sending_facility.clone()}<br /><small>{m.peer.clone()}</small></td>
            <td>{m.message_type.clone()}<br /><small>{m.control_id.clone()}</small></td>
            <td>{m.clinic.map(|c| code_of(clinics, c)).unwrap_or_default()}</td>
            <td><span class=format!("badge msg-{}", status.as_str())>{move || status_text(i18n, status)}</span> " " {m.ack_code.clone()}
                <br /><small>{m.error.clone()}</small></td>
            <td><button class="secondary" on:click=move |_| open.update(|o| *o = !*o)>{move || i18n.rg(if open.get() { Rg::Hide } else { Rg::Show })}</button></td>
        </tr>
        {move || open.get().then(|| view! { <tr class="detail"><td colspan="6"><MessageBody id admin failed redo /></td></tr> })}
    }
}

#[component]
pub fn Hl7Page() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let query = RwSignal::new(MessageQuery::default());
    let redo = ServerAction::<ReprocessMessage>::new();
    let data = Resource::new(
        move || (query.get(), redo.version().get()),
        |(q, _)| async move { Ok::<_, ApiError>((list_messages(q).await?, list_clinics().await?)) },
    );
    let facilities = Resource::new(
        || (),
        |_| async move { Ok::<_, ApiError>((list_facilities().await?, list_clinics().await?)) },
    );
    view! {
        <h1>{move || i18n.rg(Rg::Hl7Title)}</h1>
        <p class="muted">{move || i18n.rg(Rg::Hl7Intro)}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match facilities.await {
                    Ok((maps, clinics)) => view! { <Facilities maps clinics /> }.into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Suspense>
        <h2>{move || i18n.rg(Rg::Messages)}</h2>
        {move || redo.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let admin = matches!(me.await, Ok(Some(u)) if u.role.can(Permission::ManageNetwork));
                let (page, clinics) = match data.await {
                    Ok(x) => x,
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                if page.rows.is_empty() {
                    return view! { <p class="muted">{move || i18n.rg(Rg::NoMessages)}</p> }.into_any();
                }
                let at = (page.page, page.total, page.page_size);
                let rows = page.rows.into_iter().map(|m| message_row(i18n, m, &clinics, admin, redo)).collect_view();
                view! {
                    <table class="grid" id="hl7-messages">
                        <thead><tr><th>{move || i18n.rg(Rg::Received)}</th><th>{move || i18n.rg(Rg::From2)}</th>
                            <th>{move || i18n.rg(Rg::MessageType)}</th><th>{move || i18n.t(Msg::Clinic)}</th>
                            <th>{move || i18n.t(Msg::Status)}</th><th></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                    {pager(i18n, at, move |p| query.update(|q| q.page = p))}
                }.into_any()
            })}
        </Transition>
    }
}
