//! The page frame: header with navigation by role, language switch, user menu and sign-out.

use crate::MeResource;
use crate::api::Logout;
use crate::i18n::{Locale, Msg, Qr, Rt, Tk, role_msg, use_i18n};
use domain::Permission;
use domain::views::SessionUser;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Passerelle"</a>
            <Nav />
            <LangSwitch />
        </header>
        <main class="content">{children()}</main>
    }
}

#[component]
fn Nav() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(user)) => view! { <UserNav user /> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserNav(user: SessionUser) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            let _ = window().location().assign("/login");
        }
    });
    let role = user.role;
    let link = move |href: &'static str, m: Msg| view! { <A href=href>{move || i18n.t(m)}</A> };
    view! {
        <nav class="mainnav" aria-label="main">
            {link("/", Msg::NavHome)}
            {role.can(Permission::ViewStudies).then(|| link("/studies", Msg::NavStudies))}
            {role.can(Permission::QueryRetrieve).then(|| view! { <A href="/query">{move || i18n.q(Qr::NavQuery)}</A> })}
            {role.can(Permission::ViewStudies).then(|| view! { <A href="/tokens">{move || i18n.tk(Tk::Nav)}</A> })}
            {(role.can(Permission::ViewClinics) && !role.can(Permission::ManageClinics))
                .then(|| link("/clinics", Msg::NavClinics))}
            {role.can(Permission::ManageClinics).then(|| link("/admin/clinics", Msg::NavAdminClinics))}
            {role.can(Permission::ManageUsers).then(|| link("/admin/users", Msg::NavAdminUsers))}
            {role.can(Permission::ManageNetwork).then(|| link("/admin/network", Msg::NavNetwork))}
            {role.can(Permission::ManageNetwork).then(|| view! { <A href="/admin/routing">{move || i18n.r(Rt::NavRouting)}</A> })}
            {(role.can(Permission::ManageNetwork) || role.can(Permission::ViewStudies))
                .then(|| view! { <A href="/admin/transfers">{move || i18n.r(Rt::NavTransfers)}</A> })}
        </nav>
        <div class="usermenu">
            <span class="who" title=move || i18n.t(role_msg(role))>
                {user.display_name.to_string()}
            </span>
            <button
                class="secondary"
                id="logout"
                on:click=move |_| {
                    logout.dispatch(Logout {});
                }
            >
                {move || i18n.t(Msg::SignOut)}
            </button>
        </div>
    }
}

#[component]
fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let button = move |l: Locale, label: &'static str| {
        view! {
            <button
                class="lang"
                lang=l.code()
                aria-pressed=move || (i18n.locale() == l).to_string()
                on:click=move |_| i18n.set(l)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="langswitch" role="group" aria-label=move || i18n.t(Msg::Language)>
            {button(Locale::Fr, "FR")}
            {button(Locale::En, "EN")}
        </div>
    }
}
