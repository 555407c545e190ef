//! The retrieve jobs of the user's clinics: state, PACS, study, method, progress from the
//! sub-operation counts, error, who and when, with Cancel for queued and running ones. Reloads
//! every 2 s while any job is not final, and at once when a retrieve starts.

use crate::api::{CancelRetrieve, list_retrieves};
use crate::i18n::{I18n, Msg, Qr, retrieve_state, use_i18n};
use crate::widgets::{ErrorMsg, Loading, utc_minute};
use domain::query::{RetrieveMethod, RetrieveState, RetrieveView, SubOps};
use leptos::prelude::*;

/// The end of a long UID (the distinctive part), the whole one in the tooltip.
fn short_uid(uid: &str) -> String {
    let n = uid.chars().count();
    if n <= 16 {
        return uid.to_owned();
    }
    format!("…{}", uid.chars().skip(n - 14).collect::<String>())
}

fn method_label(m: &RetrieveMethod) -> String {
    match m {
        RetrieveMethod::MoveHere => "C-MOVE → Passerelle".to_owned(),
        RetrieveMethod::MoveTo { ae_title } => format!("C-MOVE → {ae_title}"),
        RetrieveMethod::Get => "C-GET".to_owned(),
    }
}

/// The bar (indeterminate while running without a count, full once done) and the counts.
fn progress(i18n: I18n, s: SubOps, state: RetrieveState) -> impl IntoView {
    let done = matches!(state, RetrieveState::Completed | RetrieveState::Partial);
    let percent = s.percent().or(done.then_some(100));
    let bar = match percent {
        Some(p) => view! { <progress max="100" value=p.to_string()>{format!("{p}%")}</progress> " " {format!("{p}%")} }.into_any(),
        None if state == RetrieveState::Running => view! { <progress></progress> }.into_any(),
        None => ().into_any(),
    };
    let remaining = s.remaining.map(
        |r| view! { " · " <span data-k="remaining">{r}</span> " " {move || i18n.q(Qr::Remaining)} },
    );
    view! {
        {bar}
        <div class="subops">
            <span data-k="completed">{s.completed}</span> " " {move || i18n.q(Qr::Done)} " · "
            <span data-k="failed" class:bad={s.failed != 0}>{s.failed}</span> " " {move || i18n.q(Qr::Failed)} " · "
            <span data-k="warning">{s.warning}</span> " " {move || i18n.q(Qr::Warnings)}
            {remaining}
        </div>
    }
}

fn job_row(i18n: I18n, j: RetrieveView, cancel: ServerAction<CancelRetrieve>) -> impl IntoView {
    let (id, state) = (j.id, j.state);
    let class = match state {
        RetrieveState::Completed => "ok",
        RetrieveState::Failed | RetrieveState::Partial => "bad",
        _ => "",
    };
    let action = match (state.is_final(), j.cancel_requested) {
        (true, _) => ().into_any(),
        (false, true) => view! { <small class="muted">{move || i18n.q(Qr::Cancelling)}</small> }.into_any(),
        (false, false) => view! {
            <button type="button" class="secondary cancel" on:click=move |_| { cancel.dispatch(CancelRetrieve { id }); }>
                {move || i18n.t(Msg::Cancel)}
            </button>
        }
        .into_any(),
    };
    let series = (!j.series_uids.is_empty()).then(|| format!(" ({})", j.series_uids.len()));
    view! {
        <tr data-id=id data-state=state.as_str() data-study-uid=j.study_uid.clone()>
            <td><span class=format!("state {class}")>{move || i18n.q(retrieve_state(state))}</span>
                {j.error.map(|e| view! { <br /><small class="bad job-error">{e}</small> })}
            </td>
            <td>{j.node_name}</td>
            <td class="uid short" title=j.study_uid.clone()>{short_uid(&j.study_uid)}{series}</td>
            <td>{method_label(&j.method)}</td>
            <td class="progress-cell">{progress(i18n, j.subops, state)}</td>
            <td>{j.created_by}<br /><small>{utc_minute(j.created_at_ms)}</small></td>
            <td class="nowrap">{action}</td>
        </tr>
    }
}

fn jobs_table(
    i18n: I18n,
    jobs: Vec<RetrieveView>,
    cancel: ServerAction<CancelRetrieve>,
) -> AnyView {
    if jobs.is_empty() {
        return view! { <p class="muted">{move || i18n.q(Qr::NoRetrieves)}</p> }.into_any();
    }
    let rows = jobs
        .into_iter()
        .map(|j| job_row(i18n, j, cancel))
        .collect_view();
    view! {
        <div class="table-scroll"><table class="grid" id="retrieve-jobs">
            <thead><tr>
                <th>{move || i18n.q(Qr::State)}</th><th>{move || i18n.q(Qr::Pacs)}</th>
                <th>{move || i18n.t(Msg::StudyUid)}</th><th>{move || i18n.q(Qr::Method)}</th>
                <th>{move || i18n.q(Qr::Progress)}</th><th>{move || i18n.q(Qr::ByWhen)}</th>
                <th>{move || i18n.t(Msg::Actions)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
    }
    .into_any()
}

#[component]
pub(super) fn RetrievesPanel(started: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let cancel = ServerAction::<CancelRetrieve>::new();
    let (tick, active) = (RwSignal::new(0u32), RwSignal::new(false));
    let jobs = Resource::new(
        move || (tick.get(), started.get(), cancel.version().get()),
        |_| list_retrieves(),
    );
    Effect::new(move |_| {
        if let Some(Ok(list)) = jobs.get() {
            active.set(list.iter().any(|j| !j.state.is_final()));
        }
    });
    // Every 2 s, reload while a job may still move (browser only).
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(
            move || {
                if active.get_untracked() {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(2),
        ) {
            on_cleanup(move || h.clear());
        }
    });
    view! {
        <section class="retrieves" id="retrieves">
            <h2>{move || i18n.q(Qr::Retrieves)}</h2>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(list) => jobs_table(i18n, list, cancel),
                        Err(error) => view! { <ErrorMsg error /> }.into_any(),
                    }
                })}
            </Transition>
            {move || cancel.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_uids_keep_their_end() {
        assert_eq!(short_uid("1.2.3"), "1.2.3");
        let long = "1.2.826.0.1.3680043.8.498.12345678901234567890";
        let s = short_uid(long);
        assert!(s.starts_with('…') && long.ends_with(&s[3..]));
        assert_eq!(s.chars().count(), 15);
    }
}
