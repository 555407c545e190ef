//! One study opened from the results: which PACS to retrieve from (when it is on several), its
//! series on that PACS with checkboxes, and the retrieve actions for the whole study or the
//! selected series: to Passerelle (C-MOVE), to one of the clinic's VNAs (C-MOVE), or C-GET.

use crate::api::{StartRetrieve, drill_study};
use crate::i18n::{I18n, Msg, Qr, query_error, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::query::{
    DrillDown, DrillDownResult, PacsSearch, QueryError, RetrieveMethod, RetrieveRequest, SeriesHit,
    StudyHit,
};
use domain::views::RemoteNodeView;
use leptos::prelude::*;

/// The PACS the study is on: a select when there are several, else its name.
fn source_pick(i18n: I18n, hit: &StudyHit, source: RwSignal<i64>) -> AnyView {
    if let [only] = hit.sources.as_slice() {
        let name = only.node_name.clone();
        return view! { <p class="source">{move || i18n.q(Qr::OnPacs)} " " <b>{name}</b></p> }
            .into_any();
    }
    let options = hit
        .sources
        .iter()
        .map(|s| view! { <option value=s.node_id.to_string()>{s.node_name.clone()}</option> })
        .collect_view();
    view! {
        <label class="source">{move || i18n.q(Qr::RetrieveFrom)}
            <select name="source" on:change=move |ev| {
                if let Ok(id) = event_target_value(&ev).parse() { source.set(id); }
            }>{options}</select>
        </label>
    }
    .into_any()
}

fn series_table(i18n: I18n, series: Vec<SeriesHit>, selected: RwSignal<Vec<String>>) -> AnyView {
    if series.is_empty() {
        return view! { <p class="muted">{move || i18n.q(Qr::NoSeries)}</p> }.into_any();
    }
    let rows = series
        .into_iter()
        .map(|s| {
            let (uid, checked_uid, toggle_uid) = (s.series_uid.clone(), s.series_uid.clone(), s.series_uid);
            view! {
                <tr>
                    <td><label class="check pick">
                        <input type="checkbox" name="series" value=uid
                            prop:checked=move || selected.get().contains(&checked_uid)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|v| { v.retain(|x| *x != toggle_uid); if on { v.push(toggle_uid.clone()); } });
                            } />
                        {s.number}
                    </label></td>
                    <td>{s.modality}</td>
                    <td>{s.description}</td>
                    <td class="num">{s.instance_count.map(|n| n.to_string()).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid compact series-pick">
            <thead><tr>
                <th>{move || i18n.q(Qr::Number)}</th><th>{move || i18n.t(Msg::Modality)}</th>
                <th>{move || i18n.t(Msg::Description)}</th><th>{move || i18n.t(Msg::Instances)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// "Move to VNA…": a select of the clinic's VNAs and the Move button, shown on demand.
fn vna_move(
    i18n: I18n,
    vnas: Vec<RemoteNodeView>,
    busy: Signal<bool>,
    run: impl Fn(RetrieveMethod) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let picking = RwSignal::new(false);
    let pick = RwSignal::new(0usize);
    let titles = StoredValue::new(vnas.iter().map(|n| n.ae_title.clone()).collect::<Vec<_>>());
    let options = vnas
        .into_iter()
        .enumerate()
        .map(|(i, n)| view! { <option value=i.to_string()>{n.name} " (" {n.ae_title.to_string()} ")"</option> })
        .collect_view();
    let go = move |_| {
        if let Some(ae_title) = titles.with_value(|t| t.get(pick.get_untracked()).cloned()) {
            run(RetrieveMethod::MoveTo { ae_title });
        }
    };
    view! {
        <button type="button" class="secondary move-to-vna" aria-expanded=move || picking.get().to_string()
            on:click=move |_| picking.update(|p| *p = !*p)>{move || i18n.q(Qr::MoveToVna)}</button>
        <span class="vna-pick" class:hidden=move || !picking.get()>
            <select name="vna" aria-label="VNA" on:change=move |ev| pick.set(event_target_value(&ev).parse().unwrap_or(0))>{options}</select>
            <button type="button" class="move" disabled=move || busy.get() on:click=go>{move || i18n.q(Qr::Move)}</button>
        </span>
    }
}

/// The retrieve buttons (whole study, or the selected series) and what came of the last one.
#[component]
fn RetrieveActions(
    base: StoredValue<RetrieveRequest>,
    source: RwSignal<i64>,
    selected: RwSignal<Vec<String>>,
    vnas: Vec<RemoteNodeView>,
    started: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartRetrieve>::new();
    let invalid = RwSignal::new(None::<QueryError>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = start.value().get() {
            started.update(|n| *n += 1);
        }
    });
    let busy = Signal::derive(move || start.pending().get());
    let run = move |method: RetrieveMethod| {
        let rq = RetrieveRequest {
            node_id: source.get_untracked(),
            method,
            series_uids: selected.get_untracked(),
            ..base.get_value()
        };
        invalid.set(rq.validate().err());
        if invalid.get_untracked().is_none() {
            start.dispatch(StartRetrieve { rq });
        }
    };
    let scope = move || match selected.get().len() {
        0 => i18n.q(Qr::WholeStudy).to_owned(),
        n => format!("{n} {}", i18n.q(Qr::SeriesSelected)),
    };
    let has_vna = !vnas.is_empty();
    view! {
        <p class="muted scope">{scope}</p>
        <div class="actions retrieve-actions">
            <button type="button" class="retrieve-here" disabled=move || busy.get() on:click=move |_| run(RetrieveMethod::MoveHere)>
                {move || i18n.q(Qr::RetrieveHere)}
            </button>
            {has_vna.then(|| vna_move(i18n, vnas, busy, run))}
            <button type="button" class="secondary retrieve-get" disabled=move || busy.get() on:click=move |_| run(RetrieveMethod::Get)>
                {move || i18n.q(Qr::CGet)}
            </button>
        </div>
        {move || invalid.get().map(|e| view! { <p class="error" role="alert">{query_error(i18n.locale(), &e)}</p> })}
        {move || start.value().get().map(|r| match r {
            Ok(job) => view! { <p class="ok started" role="status">{move || i18n.q(Qr::Started)} " #" {job.id}</p> }.into_any(),
            Err(error) => view! { <ErrorMsg error /> }.into_any(),
        })}
    }
}

#[component]
pub(super) fn StudyPanel(
    hit: StudyHit,
    search: PacsSearch,
    vnas: Vec<RemoteNodeView>,
    started: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let source = RwSignal::new(hit.sources.first().map_or(0, |s| s.node_id));
    let selected = RwSignal::new(Vec::<String>::new());
    let base = StoredValue::new(RetrieveRequest {
        clinic: search.clinic,
        node_id: source.get_untracked(),
        method: RetrieveMethod::MoveHere,
        model: search.model,
        patient_id: hit.patient_id.clone(),
        study_uid: hit.study_uid.clone(),
        series_uids: Vec::new(),
    });
    let series = Resource::new(
        move || source.get(),
        move |node_id| {
            let rq = base.get_value();
            drill_study(DrillDown {
                clinic: rq.clinic,
                node_id,
                model: rq.model,
                patient_id: rq.patient_id,
                study_uid: rq.study_uid,
                series_uid: None,
            })
        },
    );
    // Another PACS: its series are other rows, the selection starts over.
    Effect::new(move |_| {
        source.track();
        selected.set(Vec::new());
    });
    view! {
        <div class="study-panel">
            {source_pick(i18n, &hit, source)}
            <Suspense fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match series.await {
                        Ok(DrillDownResult { series, .. }) => series_table(i18n, series, selected),
                        Err(error) => view! { <ErrorMsg error /> }.into_any(),
                    }
                })}
            </Suspense>
            <RetrieveActions base source selected vnas started />
        </div>
    }
}
