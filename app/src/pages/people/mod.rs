//! The people and the catalogue around orders: referring physicians, radiologists and the
//! procedure catalogue, each a list and an editor.

pub mod physicians;
pub mod procedures;
pub mod radiologist_form;
pub mod radiologists;

use crate::i18n::I18n;
use domain::views::ClinicView;
use leptos::prelude::*;

/// Checkboxes of clinics bound to a list of ids.
pub(crate) fn clinic_boxes(
    i18n: I18n,
    clinics: &[ClinicView],
    chosen: RwSignal<Vec<i64>>,
) -> impl IntoView + use<> {
    let _ = i18n;
    let boxes = clinics
        .iter()
        .map(|c| {
            let id = c.id.0;
            view! {
                <label class="check">
                    <input type="checkbox" name="clinics" value=id.to_string()
                        prop:checked=move || chosen.read().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id) } });
                        } />
                    {c.code.to_string()} " — " {c.name.to_string()}
                </label>
            }
        })
        .collect_view();
    view! { <div class="checks">{boxes}</div> }
}
