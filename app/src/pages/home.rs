//! The home page: who is signed in, with which role and clinics (administrators: a link to the
//! audit trail).

use crate::MeResource;
use crate::api::list_clinics;
use crate::i18n::{Au, Msg, role_msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::Permission;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let clinics = Resource::new(|| (), |_| list_clinics());
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let user = match me.await {
                    Ok(Some(u)) => u,
                    Ok(None) => return view! { <a href="/login">{i18n.t(Msg::SignIn)}</a> }.into_any(),
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                let list = match clinics.await {
                    Ok(l) => l,
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                let role = user.role;
                view! {
                    <section class="card">
                        <h1>{move || i18n.t(Msg::Welcome)}", " {user.display_name.to_string()}</h1>
                        <p>
                            <strong>{move || i18n.t(Msg::YourRole)}</strong>
                            ": "
                            <span id="role">{move || i18n.t(role_msg(role))}</span>
                        </p>
                        <h2>{move || i18n.t(Msg::YourClinics)}</h2>
                        <ul class="clinic-list">
                            {list
                                .into_iter()
                                .map(|c| view! { <li>{c.code.to_string()} " — " {c.name.to_string()}</li> })
                                .collect_view()}
                        </ul>
                        {role.can(Permission::ManageNetwork).then(|| view! {
                            <p><a href="/admin/audit" id="audit-link">{move || i18n.au(Au::Link)}</a></p>
                        })}
                    </section>
                }
                    .into_any()
            })}
        </Suspense>
    }
}
