//! Pieces the registry's forms and lists share: labelled inputs with their live error, selects,
//! a pager, and the status and priority badges.

use crate::i18n::{I18n, Msg, Rg, priority_label, status_label};
use domain::ClinicId;
use domain::orders::{OrderStatus, Priority};
use domain::views::ClinicView;
use leptos::prelude::*;

/// A labelled input of `kind` (text, date, datetime-local, time, number, email, tel) bound to
/// `value`, with the error `error` computes (shown under it).
pub fn input_field(
    i18n: I18n,
    label: Rg,
    (name, kind): (&'static str, &'static str),
    value: RwSignal<String>,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="label">{move || i18n.rg(label)}</span>
            <input name=name type=kind bind:value=value autocomplete="off" />
            <small class="field-error" data-for=name>{error}</small>
        </label>
    }
}

/// A text input without a check.
pub fn plain_field(
    i18n: I18n,
    label: Rg,
    name: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    input_field(i18n, label, (name, "text"), value, || None)
}

/// A labelled checkbox.
pub fn check_field(
    i18n: I18n,
    label: Rg,
    name: &'static str,
    value: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" name=name bind:checked=value />
            {move || i18n.rg(label)}
        </label>
    }
}

/// A select of the clinics the user may choose, bound to `value` (a clinic id).
pub fn clinic_select(
    i18n: I18n,
    clinics: &[ClinicView],
    value: RwSignal<i64>,
    locked: bool,
) -> impl IntoView + use<> {
    let options = clinics
        .iter()
        .map(|c| {
            let id = c.id.0;
            view! { <option value=id.to_string() selected=move || value.get() == id>{c.code.to_string()} " — " {c.name.to_string()}</option> }
        })
        .collect_view();
    view! {
        <label class="field">
            <span class="label">{move || i18n.t(Msg::Clinic)}</span>
            <select name="clinic" disabled=locked on:change=move |ev| {
                if let Ok(id) = event_target_value(&ev).parse() { value.set(id) }
            }>{options}</select>
        </label>
    }
}

/// The clinic the user works in by default: the only one, or the first.
pub fn first_clinic(clinics: &[ClinicView]) -> i64 {
    clinics.first().map(|c| c.id.0).unwrap_or(0)
}

/// The code of a clinic (empty if unknown).
pub fn code_of(clinics: &[ClinicView], id: ClinicId) -> String {
    crate::widgets::clinic_code(clinics, id)
}

/// Previous / next buttons and "page N of M · total".
pub fn pager(
    i18n: I18n,
    (page, total, size): (u64, u64, u64),
    go: impl Fn(u64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let pages = total.div_ceil(size.max(1)).max(1);
    view! {
        <div class="pager">
            <button class="secondary" disabled={page == 0} on:click=move |_| go(page.saturating_sub(1))>{move || i18n.t(Msg::Previous)}</button>
            <span>{move || i18n.t(Msg::Page)} " " {page + 1} " " {move || i18n.t(Msg::Of)} " " {pages} " · " {total}</span>
            <button class="secondary" disabled={page + 1 >= pages} on:click=move |_| go(page + 1)>{move || i18n.t(Msg::Next)}</button>
        </div>
    }
}

pub fn status_badge(i18n: I18n, s: OrderStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", s.as_str())>{move || status_label(i18n.locale(), s)}</span> }
}

pub fn priority_badge(i18n: I18n, p: Priority) -> impl IntoView {
    view! { <span class=format!("badge priority-{}", p.as_str())>{move || priority_label(i18n.locale(), p)}</span> }
}
