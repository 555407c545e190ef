//! Orders: the list (today's by default, in Montreal time; by date range, status, patient or
//! accession), one order, and the order form. Staff land on today's list.

pub mod detail;
pub mod form;

use crate::MeResource;
use crate::api::{ApiError, list_clinics, search_orders};
use crate::forms::{code_of, pager, priority_badge, status_badge};
use crate::i18n::{I18n, Locale, Msg, Rg, status_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::Permission;
use domain::orders::{OrderQuery, OrderRow, OrderStatus, Priority};
use domain::views::{ClinicView, Page};
use leptos::prelude::*;

/// `HH:MM` of today's rows, the whole `YYYY-MM-DD HH:MM` otherwise.
fn when(q: &OrderQuery, local: &str) -> String {
    let single_day = !q.any_date && q.date_to.is_empty() && q.patient_id.is_none();
    match (single_day, local.split_once(' ')) {
        (true, Some((_, hm))) => hm.to_owned(),
        _ => local.to_owned(),
    }
}

fn procedure(i18n: I18n, o: &OrderRow) -> impl IntoView + use<> {
    let (fr, en) = (o.procedure_fr.clone(), o.procedure_en.clone());
    move || {
        if i18n.locale() == Locale::Fr {
            fr.clone()
        } else {
            en.clone()
        }
    }
}

fn table(i18n: I18n, q: &OrderQuery, page: &Page<OrderRow>, clinics: &[ClinicView]) -> AnyView {
    if page.rows.is_empty() {
        return view! { <p class="muted" id="no-orders">{move || i18n.rg(Rg::NoOrders)}</p> }
            .into_any();
    }
    let many = clinics.len() > 1;
    let rows = page
        .rows
        .iter()
        .map(|o| view! {
            <tr class:stat=o.priority == Priority::Stat class:attention=o.needs_attention>
                <td class="time">{when(q, &o.scheduled_local)}</td>
                <td><a href=format!("/orders/{}", o.id)>{o.patient_name.sortable()}</a><br /><small>{o.mrn.clone()}</small></td>
                <td>{procedure(i18n, o)}<br /><small>{o.accession.clone()}</small></td>
                <td>{o.modality.clone()}<br /><small>{o.station_ae.clone()}</small></td>
                <td>{priority_badge(i18n, o.priority)}</td>
                <td>{status_badge(i18n, o.status)}
                    {o.needs_attention.then(|| view! { <br /><small class="flag">"⚠ " {move || i18n.rg(Rg::NeedsAttention)}</small> })}</td>
                <td>{o.physician_name.as_ref().map(|p| p.display()).unwrap_or_default()}
                    {many.then(|| view! { <br /><small>{code_of(clinics, o.clinic)}</small> })}</td>
            </tr>
        })
        .collect_view();
    view! {
        <table class="grid orders" id="orders">
            <thead><tr>
                <th>{move || i18n.rg(Rg::Time)}</th><th>{move || i18n.t(Msg::Patient)}</th>
                <th>{move || i18n.rg(Rg::Procedure)}</th><th>{move || i18n.t(Msg::Modality)}</th>
                <th>{move || i18n.rg(Rg::Priority)}</th><th>{move || i18n.t(Msg::Status)}</th>
                <th>{move || i18n.rg(Rg::Physician)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn status_select(i18n: I18n, value: RwSignal<Option<OrderStatus>>) -> impl IntoView {
    let options = OrderStatus::ALL
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=move || value.get() == Some(s)>{move || status_label(i18n.locale(), s)}</option> })
        .collect_view();
    view! {
        <select name="status" on:change=move |ev| value.set(OrderStatus::parse(&event_target_value(&ev)))>
            <option value="">{move || i18n.rg(Rg::AnyStatus)}</option>
            {options}
        </select>
    }
}

/// The filters: a day range (empty: today), status, text, every date.
fn filters(i18n: I18n, query: RwSignal<OrderQuery>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(None::<OrderStatus>);
    let any = RwSignal::new(false);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.set(OrderQuery {
            date_from: from.get_untracked(),
            date_to: to.get_untracked(),
            text: text.get_untracked(),
            status: status.get_untracked(),
            any_date: any.get_untracked(),
            ..Default::default()
        });
    };
    let today = move |_| {
        from.set(String::new());
        to.set(String::new());
        any.set(false);
        query.set(OrderQuery::default());
    };
    view! {
        <form class="toolbar" id="order-filters" on:submit=apply>
            <label>{move || i18n.t(Msg::DateFrom)}<input type="date" name="date_from" bind:value=from /></label>
            <label>{move || i18n.t(Msg::DateTo)}<input type="date" name="date_to" bind:value=to /></label>
            {status_select(i18n, status)}
            <input type="search" name="text" bind:value=text placeholder=move || i18n.rg(Rg::SearchOrders) />
            <label class="check"><input type="checkbox" name="any_date" bind:checked=any />{move || i18n.rg(Rg::AllDates)}</label>
            <button type="submit">{move || i18n.t(Msg::Search)}</button>
            <button type="button" class="secondary" id="today" on:click=today>{move || i18n.rg(Rg::Today)}</button>
        </form>
    }
}

/// The orders list, with its title (`title`) and, for staff, the "New order" button.
#[component]
pub fn OrderList(
    #[prop(into)] title: Signal<Rg>,
    #[prop(optional, into)] intro: Signal<Option<Rg>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let query = RwSignal::new(OrderQuery::default());
    let data = Resource::new(
        move || query.get(),
        |q| async move { Ok::<_, ApiError>((search_orders(q.clone()).await?, q)) },
    );
    // The clinics do not change with the filters: fetched once.
    let clinics = Resource::new(|| (), |_| list_clinics());
    let can_create =
        move || matches!(me.get(), Some(Ok(Some(u))) if u.role.can(Permission::ManageRegistry));
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(title.get())}</h1>
            {move || can_create().then(|| view! { <a class="button" id="new-order" href="/orders/new">{move || i18n.rg(Rg::NewOrder)}</a> })}
        </div>
        {move || intro.get().map(|m| view! { <p class="muted">{i18n.rg(m)}</p> })}
        {filters(i18n, query)}
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let clinics = clinics.await.unwrap_or_default();
                match data.await {
                    Ok((page, q)) => {
                        let at = (page.page, page.total, page.page_size);
                        view! {
                            {table(i18n, &q, &page, &clinics)}
                            {pager(i18n, at, move |p| query.update(|q| q.page = p))}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    view! { <OrderList title=Rg::Orders /> }
}
