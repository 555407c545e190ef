//! The rule editor: name, where it applies, stop / continue, fallback, destinations, and the
//! condition (JSON). Validated live in the browser with the domain validator the server runs,
//! and previewed on recently received studies with the domain evaluator, before saving.

use super::{RoutingData, load};
use crate::api::{PreviewSamples, SaveRule, rule_history};
use crate::i18n::{I18n, Msg, Rt, rule_error, use_i18n};
use crate::pages::editor_page;
use crate::widgets::{ErrorMsg, navigate_when, utc_minute};
use domain::routing::{
    Action, Condition, Draft, Placed, PreviewRow, Rule, preview_draft, validate,
};
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    name: RwSignal<String>,
    clinic: RwSignal<Option<i64>>,
    enabled: RwSignal<bool>,
    stop: RwSignal<bool>,
    fallback: RwSignal<bool>,
    destinations: RwSignal<Vec<String>>,
    condition: RwSignal<String>,
}

impl Fields {
    fn new(d: &RoutingData, id: Option<i64>) -> Self {
        let current = id.and_then(|id| d.rules.iter().find(|r| r.id == id));
        let rule = current.map(|r| r.rule.clone());
        let when = rule.as_ref().map_or(Condition::Always, |r| r.when.clone());
        Self {
            id,
            name: RwSignal::new(rule.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
            clinic: RwSignal::new(current.and_then(|r| r.clinic.map(|c| c.0))),
            enabled: RwSignal::new(rule.as_ref().is_none_or(|r| r.enabled)),
            stop: RwSignal::new(rule.as_ref().is_some_and(|r| r.action == Action::Stop)),
            fallback: RwSignal::new(rule.as_ref().is_some_and(|r| r.fallback)),
            destinations: RwSignal::new(rule.map(|r| r.destinations).unwrap_or_default()),
            condition: RwSignal::new(serde_json::to_string_pretty(&when).unwrap_or_default()),
        }
    }

    /// The rule as typed, or every problem with it (in the current language).
    fn rule(self, i18n: I18n, known: &[String]) -> Result<Rule, Vec<String>> {
        let when: Condition = serde_json::from_str(&self.condition.get())
            .map_err(|e| vec![format!("{} {e}", i18n.r(Rt::BadJson))])?;
        let rule = Rule {
            name: self.name.get().trim().to_owned(),
            enabled: self.enabled.get(),
            action: if self.stop.get() {
                Action::Stop
            } else {
                Action::Continue
            },
            fallback: self.fallback.get(),
            destinations: self.destinations.get(),
            when,
        };
        let is_known = |n: &str| known.iter().any(|k| k == n);
        validate(&rule, &is_known).map_err(|errs| {
            errs.iter()
                .map(|e| rule_error(i18n.locale(), e))
                .collect::<Vec<_>>()
        })?;
        Ok(rule)
    }
}

fn destination_boxes(f: Fields, names: Vec<String>) -> impl IntoView {
    names
        .into_iter()
        .map(|n| {
            let (a, b, c) = (n.clone(), n.clone(), n.clone());
            view! {
                <label class="check">
                    <input type="checkbox" name="destinations" value=a
                        prop:checked=move || f.destinations.get().contains(&b)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            f.destinations.update(|v| { v.retain(|x| *x != c); if on { v.push(c.clone()); } });
                        } />
                    {n}
                </label>
            }
        })
        .collect_view()
}

fn preview_table(i18n: I18n, rows: Vec<PreviewRow>) -> impl IntoView {
    let list = move |v: &[String]| {
        if v.is_empty() {
            i18n.r(Rt::Nowhere).to_owned()
        } else {
            v.join(", ")
        }
    };
    let body = rows
        .into_iter()
        .map(|r| view! {
            <tr class:changed=r.changed>
                <td>{r.label.clone()}</td>
                <td>{list(&r.before)}</td>
                <td>{list(&r.after)} {r.changed.then(|| view! { " " <b class="bad">{move || i18n.r(Rt::Changed)}</b> })}</td>
            </tr>
        })
        .collect_view();
    view! {
        <table class="grid" id="preview">
            <thead><tr><th>{move || i18n.r(Rt::Study)}</th><th>{move || i18n.r(Rt::Before)}</th><th>{move || i18n.r(Rt::After)}</th></tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

/// Runs the preview in the browser: the same layering and evaluator as the server.
fn run_preview(
    d: &RoutingData,
    f: Fields,
    rule: &Rule,
    samples: &[(i64, Vec<domain::routing::StudySample>)],
) -> Vec<PreviewRow> {
    let placed: Vec<Placed<'_>> = d.rules.iter().map(|r| r.placed()).collect();
    let draft = Draft {
        rule,
        clinic: f.clinic.get_untracked(),
        replaces: f.id,
    };
    preview_draft(&placed, draft, samples)
}

/// The recorded changes of the rule: when (UTC), who, and the definition after the change.
#[component]
fn History(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let changes = Resource::new(move || id, rule_history);
    view! {
        <h2>{move || i18n.r(Rt::History)}</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                changes.await.ok().map(|list| view! {
                    <ul class="history">
                        {list.into_iter().map(|c| view! {
                            <li>
                                <b>{utc_minute(c.changed_at * 1000)}</b> " · " {c.changed_by.clone()}
                                <pre class="code">{c.after.clone().unwrap_or_else(|| "—".into())}</pre>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })}
        </Suspense>
    }
}

#[component]
fn RuleForm(data: RoutingData, id: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(&data, id);
    let known: Vec<String> = data
        .destinations
        .iter()
        .map(|d| d.name.to_string())
        .collect();
    let save = ServerAction::<SaveRule>::new();
    let samples = ServerAction::<PreviewSamples>::new();
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/routing",
    );
    let k = known.clone();
    let checked = Memo::new(move |_| f.rule(i18n, &k));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(rule) = checked.get_untracked() {
            save.dispatch(SaveRule {
                id: f.id,
                clinic: f.clinic.get_untracked(),
                rule,
            });
        }
    };
    let clinics = data.clinics.clone();
    let d2 = data.clone();
    let previewed = move || {
        let s = samples.value().get()?;
        Some(match (s, checked.get()) {
            (Ok(s), Ok(rule)) => preview_table(i18n, run_preview(&d2, f, &rule, &s)).into_any(),
            (Err(error), _) => view! { <ErrorMsg error /> }.into_any(),
            (_, Err(_)) => ().into_any(),
        })
    };
    view! {
        <section class="card wide">
            <h1>{move || i18n.r(if f.id.is_some() { Rt::EditRule } else { Rt::NewRule })}</h1>
            <form on:submit=on_submit id="rule-form">
                <label>{move || i18n.t(Msg::Name)}<input name="name" bind:value=f.name maxlength="100" /></label>
                <label>{move || i18n.r(Rt::AppliesTo)}
                    <select name="clinic" disabled=f.id.is_some() on:change=move |ev| f.clinic.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || f.clinic.get().is_none()>{move || i18n.r(Rt::Global)}</option>
                        {clinics.into_iter().map(|c| { let cid = c.id.0; view! {
                            <option value=cid.to_string() selected=move || f.clinic.get() == Some(cid)>{c.code.to_string()} " — " {c.name.to_string()}</option>
                        }}).collect_view()}
                    </select>
                </label>
                <fieldset><legend>{move || i18n.r(Rt::Destinations)}</legend>{destination_boxes(f, known.clone())}</fieldset>
                <label class="check"><input type="checkbox" name="stop" bind:checked=f.stop />{move || i18n.r(Rt::ActionStop)}</label>
                <label class="check"><input type="checkbox" name="fallback" bind:checked=f.fallback />{move || i18n.r(Rt::Fallback)}</label>
                <label class="check"><input type="checkbox" name="enabled" bind:checked=f.enabled />{move || i18n.t(Msg::Enabled)}</label>
                <label>{move || i18n.r(Rt::Condition)}
                    <textarea name="condition" class="code" rows="8" bind:value=f.condition></textarea>
                    <small>{move || i18n.r(Rt::ConditionHelp)}</small>
                </label>
                <div class="checks" aria-live="polite">
                    {move || match checked.get() {
                        Ok(_) => view! { <p class="ok">{move || i18n.r(Rt::RuleValid)}</p> }.into_any(),
                        Err(errs) => view! { <ul class="field-error rule-errors">{errs.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul> }.into_any(),
                    }}
                </div>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/routing">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="button" class="secondary" id="preview-button" disabled=move || checked.get().is_err() || samples.pending().get()
                        on:click=move |_| { samples.dispatch(PreviewSamples { clinic: f.clinic.get_untracked() }); }>
                        {move || i18n.r(Rt::Preview)}
                    </button>
                    <button type="submit" disabled=move || checked.get().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
            <p><small>{move || i18n.r(Rt::PreviewHelp)}</small></p>
            {previewed}
            {f.id.map(|id| view! { <History id /> })}
        </section>
    }
}

#[component]
pub fn RuleEditPage() -> impl IntoView {
    editor_page(load, |id, data| Ok(view! { <RuleForm data id /> }))
}
