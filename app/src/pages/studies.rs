//! Studies: the list of the user's clinics (filtered and paged on the server) and one study with
//! its series and instances.

use crate::api::{ApiError, get_study, list_clinics, search_studies};
use crate::i18n::{I18n, Msg, Rt, completeness_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_code, utc_minute};
use domain::transfers::ForwardMark;
use domain::views::{ClinicView, SeriesDetail, StudyPage, StudyQuery, StudySummary};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// `YYYYMMDD` → `YYYY-MM-DD` (other values unchanged).
pub(crate) fn show_date(d: &str) -> String {
    if d.len() == 8 && d.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
    } else {
        d.to_owned()
    }
}

/// DICOM person names use `^` between components.
pub(crate) fn show_name(n: &str) -> String {
    n.replace('^', " ").trim().to_owned()
}

fn study_rows(i18n: I18n, rows: &[StudySummary], clinics: &[ClinicView]) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">{move || i18n.t(Msg::NoStudies)}</p> }.into_any();
    }
    let rows = rows
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <td><a href=format!("/studies/{}", s.id)>{show_name(&s.patient_name)}</a><br /><small>{s.patient_id.clone()}</small></td>
                    <td>{show_date(&s.study_date)}</td>
                    <td>{s.modalities.replace('\\', ", ")}</td>
                    <td>{s.description.clone()}</td>
                    <td>{s.accession.clone()}</td>
                    <td class="num">{s.instance_count}</td>
                    <td class="state">{
                        let c = s.completion.clone();
                        move || completeness_label(i18n.locale(), c.as_ref())
                    }</td>
                    <td>{s.source_ae.clone()}<br /><small>{clinic_code(clinics, s.clinic)}</small></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="studies">
            <thead><tr>
                <th>{move || i18n.t(Msg::Patient)}</th>
                <th>{move || i18n.t(Msg::StudyDate)}</th>
                <th>{move || i18n.t(Msg::Modalities)}</th>
                <th>{move || i18n.t(Msg::Description)}</th>
                <th>{move || i18n.t(Msg::Accession)}</th>
                <th>{move || i18n.t(Msg::Instances)}</th>
                <th>{move || i18n.t(Msg::Status)}</th>
                <th>{move || i18n.t(Msg::Source)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn pager(i18n: I18n, p: &StudyPage, query: RwSignal<StudyQuery>) -> impl IntoView + use<> {
    let pages = p.total.div_ceil(p.page_size).max(1);
    let page = p.page;
    let go = move |to: u64| query.update(|q| q.page = to);
    view! {
        <div class="pager">
            <button class="secondary" disabled={page == 0} on:click=move |_| go(page.saturating_sub(1))>{move || i18n.t(Msg::Previous)}</button>
            <span>{move || i18n.t(Msg::Page)} " " {page + 1} " " {move || i18n.t(Msg::Of)} " " {pages} " · " {p.total}</span>
            <button class="secondary" disabled={page + 1 >= pages} on:click=move |_| go(page + 1)>{move || i18n.t(Msg::Next)}</button>
        </div>
    }
}

/// The filter form; applying it goes back to the first page.
fn filters(i18n: I18n, clinics: Vec<ClinicView>, query: RwSignal<StudyQuery>) -> impl IntoView {
    let draft = RwSignal::new(query.get_untracked());
    let text = move |f: fn(&mut StudyQuery) -> &mut String| {
        move |ev| draft.update(|q| *f(q) = event_target_value(&ev))
    };
    let clinic_options = clinics
        .into_iter()
        .map(|c| view! { <option value=c.id.0.to_string()>{c.code.to_string()}</option> })
        .collect_view();
    view! {
        <form class="filters" on:submit=move |ev| {
            ev.prevent_default();
            let mut q = draft.get_untracked();
            q.page = 0;
            query.set(q);
        }>
            <label>{move || i18n.t(Msg::Patient)}<input name="patient" on:input=text(|q| &mut q.patient) /></label>
            <label>{move || i18n.t(Msg::DateFrom)}<input type="date" name="from" on:input=move |ev| draft.update(|q| q.date_from = event_target_value(&ev).replace('-', "")) /></label>
            <label>{move || i18n.t(Msg::DateTo)}<input type="date" name="to" on:input=move |ev| draft.update(|q| q.date_to = event_target_value(&ev).replace('-', "")) /></label>
            <label>{move || i18n.t(Msg::Modality)}<input name="modality" size="4" on:input=text(|q| &mut q.modality) /></label>
            <label>{move || i18n.t(Msg::Accession)}<input name="accession" size="10" on:input=text(|q| &mut q.accession) /></label>
            <label>{move || i18n.t(Msg::Clinic)}
                <select name="clinic" on:change=move |ev| draft.update(|q| q.clinic = event_target_value(&ev).parse().ok())>
                    <option value="">{move || i18n.t(Msg::AllClinics)}</option>
                    {clinic_options}
                </select>
            </label>
            <button type="submit" id="search">{move || i18n.t(Msg::Search)}</button>
        </form>
    }
}

#[component]
pub fn StudiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(StudyQuery::default());
    let clinics = Resource::new(|| (), |_| list_clinics());
    let page = Resource::new(move || query.get(), search_studies);
    view! {
        <h1>{move || i18n.t(Msg::NavStudies)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match clinics.await {
                    Ok(list) => filters(i18n, list, query).into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let list = clinics.await.unwrap_or_default();
                match page.await {
                    Ok(p) => view! { {study_rows(i18n, &p.rows, &list)} {pager(i18n, &p, query)} }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Where an instance went: destination, state and confirmation time (UTC).
fn forwards(i18n: I18n, marks: &[ForwardMark], released: bool) -> impl IntoView + use<> {
    let items = marks
        .iter()
        .map(|m| {
            let state = match m.state.as_str() {
                "done" => Rt::Done,
                "dead" => Rt::Dead,
                "held" => Rt::Held,
                "in_flight" => Rt::InFlight,
                _ => Rt::Queued,
            };
            let when = m.done_at.map(utc_minute).unwrap_or_default();
            let class = if state == Rt::Done { "ok" } else if matches!(state, Rt::Dead | Rt::Held) { "bad" } else { "" };
            view! { <div><b>{m.destination.clone()}</b> " " <span class=class>{move || i18n.r(state)}</span> " " <small>{when}</small></div> }
        })
        .collect_view();
    view! { {items} {released.then(|| view! { <small class="muted">{move || i18n.r(Rt::Released)}</small> })} }
}

/// The series' thumbnail, rendered by the DICOMweb door from its middle instance (PS3.18
/// §10.4.1.1.4) with the session's rights (a released series has one instance fetched back
/// for it); hidden when there is none (a non-image series, an archive that cannot give one).
fn thumbnail(study_uid: &str, series_uid: &str) -> impl IntoView + use<> {
    let failed = RwSignal::new(false);
    let src = format!("/dicomweb/studies/{study_uid}/series/{series_uid}/thumbnail");
    view! {
        <img class="thumb" src=src alt="" loading="lazy" class:hidden=move || failed.get()
            on:error=move |_| failed.set(true) />
    }
}

fn series_block(i18n: I18n, study_uid: &str, s: SeriesDetail) -> impl IntoView + use<> {
    let thumb = thumbnail(study_uid, &s.series_uid);
    let rows = s
        .instances
        .into_iter()
        .map(|i| {
            view! {
                <tr>
                    <td>{i.number}</td>
                    <td class="uid">{i.sop_instance_uid}</td>
                    <td class="uid">{i.transfer_syntax}</td>
                    <td class="num">{format!("{:.1} KiB", i.size as f64 / 1024.0)}</td>
                    <td>{i.calling_ae}</td>
                    <td class="forwards">{forwards(i18n, &i.forwards, i.released)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card series">
            <div class="series-head">
                {thumb}
                <h3>{s.modality} " · " {s.number} " · " {s.description} " " <small>{s.body_part}</small></h3>
            </div>
            <table class="grid compact">
                <thead><tr>
                    <th>"#"</th><th>"SOP Instance UID"</th>
                    <th>{move || i18n.t(Msg::TransferSyntax)}</th>
                    <th>{move || i18n.t(Msg::Size)}</th>
                    <th>{move || i18n.t(Msg::Source)}</th>
                    <th>{move || i18n.r(Rt::SentTo)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
pub fn StudyPageView() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let study = Resource::new(
        move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
        |id| async move { get_study(id.ok_or(ApiError::NotFound)?).await },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match study.await {
                    Ok(d) => {
                        let s = d.summary;
                        view! {
                            <section class="card">
                                <h1 id="study-title">{show_name(&s.patient_name)} " · " {s.description.clone()}</h1>
                                <dl class="facts">
                                    <dt>{move || i18n.t(Msg::PatientId)}</dt><dd>{s.patient_id.clone()}</dd>
                                    <dt>{move || i18n.t(Msg::BirthDate)}</dt><dd>{show_date(&s.birth_date)}</dd>
                                    <dt>{move || i18n.t(Msg::StudyDate)}</dt><dd>{show_date(&s.study_date)}</dd>
                                    <dt>{move || i18n.t(Msg::Accession)}</dt><dd>{s.accession.clone()}</dd>
                                    <dt>{move || i18n.t(Msg::ReferringPhysician)}</dt><dd>{show_name(&d.referring_physician)}</dd>
                                    <dt>{move || i18n.t(Msg::Instances)}</dt><dd>{s.instance_count}</dd>
                                    <dt>{move || i18n.t(Msg::Status)}</dt><dd id="study-state">{
                                        let c = s.completion.clone();
                                        move || completeness_label(i18n.locale(), c.as_ref())
                                    }</dd>
                                    <dt>{move || i18n.t(Msg::StudyUid)}</dt><dd class="uid">{d.study_uid.clone()}</dd>
                                </dl>
                            </section>
                            <h2>{move || i18n.t(Msg::SeriesLabel)}</h2>
                            {d.series.into_iter().map(|s| series_block(i18n, &d.study_uid, s)).collect_view()}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(show_date("20261127"), "2026-11-27");
        assert_eq!(show_date(""), "");
        assert_eq!(show_name("TREMBLAY^MARIE^^^"), "TREMBLAY MARIE");
    }
}
