//! The home page, each role's own: staff and administrators see today's orders (administrators
//! also the audit trail link), radiologists their clinics' orders of the day, referring
//! physicians the orders they referred. A line above says who is signed in, with which role
//! and clinics.

use crate::MeResource;
use crate::api::list_clinics;
use crate::i18n::{Au, Msg, Rg, role_msg, use_i18n};
use crate::pages::orders::OrderList;
use crate::widgets::{ErrorMsg, Loading};
use domain::{Permission, Role};
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let clinics = Resource::new(|| (), |_| list_clinics());
    // The list is made here, not inside the Suspense below: a resource created after an await
    // would not meet its server-rendered value when the page hydrates.
    let role = move || match me.get() {
        Some(Ok(Some(u))) => Some(u.role),
        _ => None,
    };
    let title = Signal::derive(move || match role() {
        Some(Role::ReferringPhysician) => Rg::MyOrders,
        _ => Rg::TodaysOrders,
    });
    let intro = Signal::derive(move || match role() {
        Some(Role::ReferringPhysician) => Some(Rg::HomePhysician),
        Some(Role::Radiologist) => Some(Rg::HomeRadiologist),
        _ => None,
    });
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let user = match me.await {
                    Ok(Some(u)) => u,
                    Ok(None) => return view! { <a href="/login">{i18n.t(Msg::SignIn)}</a> }.into_any(),
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                let list = clinics.await.unwrap_or_default();
                let role = user.role;
                let codes = list.iter().map(|c| c.code.to_string()).collect::<Vec<_>>().join(", ");
                view! {
                    <p class="whoami">
                        {move || i18n.t(Msg::Welcome)} ", " <strong>{user.display_name.to_string()}</strong>
                        " · " <span id="role">{move || i18n.t(role_msg(role))}</span>
                        " · " <span id="my-clinics">{codes}</span>
                        {role.can(Permission::ManageNetwork).then(|| view! {
                            " · " <a href="/admin/audit" id="audit-link">{move || i18n.au(Au::Link)}</a>
                        })}
                    </p>
                }
                    .into_any()
            })}
        </Suspense>
        <OrderList title intro />
    }
}
