//! The transfers page: per destination its queue (waiting, sending, done, failed, held),
//! throughput, last error and a chart of the last hour; a progress bar per study being
//! forwarded; failed transfers with Retry and Cancel. Refreshes itself every few seconds.

use crate::MeResource;
use crate::api::{RunQueueAction, load_transfers};
use crate::i18n::{I18n, Msg, Rt, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::Permission;
use domain::transfers::{DeadLetter, DestinationQueue, QueueAction, StudyProgress, Transfers};
use leptos::prelude::*;

/// Bars of confirmations per minute (oldest left), scaled to the busiest minute.
fn chart(per_minute: &[u32]) -> impl IntoView + use<> {
    let max = per_minute.iter().copied().max().unwrap_or(0).max(1);
    let bars = per_minute
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let h = (f64::from(*n) / f64::from(max) * 38.0).round();
            view! { <rect x=(i * 3).to_string() y=(40.0 - h).to_string() width="2" height=h.to_string() /> }
        })
        .collect_view();
    let total: u32 = per_minute.iter().sum();
    view! {
        <svg class="chart" viewBox="0 0 180 40" width="180" height="40" role="img" aria-label=format!("{total}")>
            {bars}
        </svg>
    }
}

fn counter(i18n: I18n, label: Rt, n: u64, class: &'static str) -> impl IntoView {
    view! { <div class=format!("counter {class}")><b>{n}</b><span>{move || i18n.r(label)}</span></div> }
}

fn destination_card(
    i18n: I18n,
    q: &DestinationQueue,
    act: ServerAction<RunQueueAction>,
    admin: bool,
) -> impl IntoView + use<> {
    let id = q.destination_id;
    let (paused, enabled, dead) = (q.paused, q.enabled, q.dead);
    let state = move || {
        if !enabled {
            i18n.r(Rt::Disabled)
        } else if paused {
            i18n.r(Rt::Paused)
        } else {
            ""
        }
    };
    let toggle = if paused {
        QueueAction::Resume(id)
    } else {
        QueueAction::Pause(id)
    };
    view! {
        <section class="card dest" data-destination=q.name.clone()>
            <div class="titlebar">
                <h3>{q.name.clone()} " " <small class="bad">{state}</small></h3>
                {admin.then(|| view! {
                    <div class="actions">
                        <button class="secondary" on:click=move |_| { act.dispatch(RunQueueAction { action: toggle }); }>
                            {move || i18n.r(if paused { Rt::Resume } else { Rt::Pause })}
                        </button>
                        {(dead > 0).then(|| view! {
                            <button class="secondary" on:click=move |_| { act.dispatch(RunQueueAction { action: QueueAction::RetryDead(id) }); }>
                                {move || i18n.r(Rt::RetryAll)}
                            </button>
                        })}
                    </div>
                })}
            </div>
            <div class="counters">
                {counter(i18n, Rt::Queued, q.queued, "")}
                {counter(i18n, Rt::InFlight, q.in_flight, "")}
                {counter(i18n, Rt::Done, q.done, "ok")}
                {counter(i18n, Rt::Dead, q.dead, if q.dead > 0 { "bad" } else { "" })}
                {counter(i18n, Rt::Held, q.held, if q.held > 0 { "bad" } else { "" })}
                <div class="counter"><b>{format!("{:.1}", q.throughput())}</b><span>{move || i18n.r(Rt::Throughput)} " /s"</span></div>
            </div>
            <div class="chartbox"><small>{move || i18n.r(Rt::LastHour)}</small>{chart(&q.per_minute)}</div>
            {q.last_error.clone().map(|e| view! { <p class="last-error"><small>{move || i18n.r(Rt::LastError)} ": "</small>{e}</p> })}
        </section>
    }
}

fn name_of(t: &Transfers, id: i64) -> String {
    t.destinations
        .iter()
        .find(|d| d.destination_id == id)
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

fn progress_rows(i18n: I18n, t: &Transfers) -> impl IntoView + use<> {
    if t.studies.is_empty() {
        return view! { <p class="muted">{move || i18n.r(Rt::NothingInProgress)}</p> }.into_any();
    }
    let rows = t
        .studies
        .iter()
        .map(|s: &StudyProgress| {
            view! {
                <tr>
                    <td>{name_of(t, s.destination_id)}</td>
                    <td class="uid">{s.study_uid.clone()}</td>
                    <td class="progress-cell">
                        <progress max=s.total.to_string() value=s.done.to_string()>{format!("{}%", s.percent())}</progress>
                        " " {format!("{} / {}", s.done, s.total)}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="in-progress">
            <thead><tr><th>{move || i18n.t(Msg::Name)}</th><th>{move || i18n.r(Rt::Study)}</th><th>{move || i18n.r(Rt::Done)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn dead_rows(
    i18n: I18n,
    t: &Transfers,
    act: ServerAction<RunQueueAction>,
    admin: bool,
) -> impl IntoView + use<> {
    if t.dead_letters.is_empty() {
        return view! { <p class="muted">{move || i18n.r(Rt::NoDeadLetters)}</p> }.into_any();
    }
    let rows = t
        .dead_letters
        .iter()
        .map(|d: &DeadLetter| {
            let job = d.job_id;
            view! {
                <tr>
                    <td>{name_of(t, d.destination_id)}</td>
                    <td class="uid">{d.sop_instance_uid.clone()}</td>
                    <td>{d.attempts}</td>
                    <td>{d.reason.clone()}</td>
                    <td class="nowrap">{admin.then(|| view! {
                        <button class="secondary retry" on:click=move |_| { act.dispatch(RunQueueAction { action: QueueAction::Retry(job) }); }>{move || i18n.r(Rt::Retry)}</button>
                        <button class="secondary cancel" on:click=move |_| { act.dispatch(RunQueueAction { action: QueueAction::Cancel(job) }); }>{move || i18n.t(Msg::Cancel)}</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="dead-letters">
            <thead><tr>
                <th>{move || i18n.t(Msg::Name)}</th><th>"SOP Instance UID"</th>
                <th>{move || i18n.r(Rt::Attempts)}</th><th>{move || i18n.r(Rt::Reason)}</th><th>{move || i18n.t(Msg::Actions)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn TransfersPage() -> impl IntoView {
    let i18n = use_i18n();
    let act = ServerAction::<RunQueueAction>::new();
    let me = expect_context::<MeResource>();
    let tick = RwSignal::new(0u32);
    let data = Resource::new(
        move || (tick.get(), act.version().get()),
        |_| load_transfers(),
    );
    // Refresh every 3 s while the page is open (browser only).
    Effect::new(move |_| {
        if let Ok(h) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || h.clear());
        }
    });
    view! {
        <h1>{move || i18n.r(Rt::NavTransfers)}</h1>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                // Operators act on the queue; clinic staff watch their clinics' transfers.
                let admin = matches!(me.await, Ok(Some(u)) if u.role.can(Permission::ManageNetwork));
                match data.await {
                    Ok(t) => view! {
                        <div class="cards">{t.destinations.iter().map(|q| destination_card(i18n, q, act, admin)).collect_view()}</div>
                        <h2>{move || i18n.r(Rt::InProgress)}</h2>
                        {progress_rows(i18n, &t)}
                        <h2>{move || i18n.r(Rt::DeadLetters)}</h2>
                        {dead_rows(i18n, &t, act, admin)}
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
        {move || act.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
    }
}
