//! The page frame: the header with each role's own few links, a "Menu" with the rest grouped
//! by area (large touch targets, closes when a link is chosen), the language switch, the user
//! and sign-out. Staff land on today's orders, radiologists on their clinics' orders (the
//! reading worklist comes with the reading workflow), referring physicians on their orders.

use crate::MeResource;
use crate::api::Logout;
use crate::i18n::{Au, I18n, Locale, Msg, Qr, Rg, Rt, Tk, role_msg, use_i18n};
use domain::views::SessionUser;
use domain::{Permission, Role};
use leptos::html::Details;
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

/// A link: where, and its label in the current language.
#[derive(Clone, Copy)]
struct Link {
    href: &'static str,
    label: fn(I18n) -> &'static str,
}

fn l(href: &'static str, label: fn(I18n) -> &'static str) -> Link {
    Link { href, label }
}

/// The links of the top bar for a role (a few, the role's daily work).
fn primary(role: Role) -> Vec<Link> {
    let orders = l("/orders", |i| i.rg(Rg::NavOrders));
    let patients = l("/patients", |i| i.rg(Rg::NavPatients));
    let studies = l("/studies", |i| i.t(Msg::NavStudies));
    match role {
        Role::Administrator => vec![
            orders,
            patients,
            studies,
            l("/admin/transfers", |i| i.r(Rt::NavTransfers)),
        ],
        Role::ClinicStaff => vec![
            orders,
            patients,
            studies,
            l("/query", |i| i.q(Qr::NavQuery)),
        ],
        Role::Radiologist => vec![orders, studies, patients],
        Role::ReferringPhysician => vec![],
    }
}

/// The menu's groups for a role: (title, links), only the links the role may use.
fn groups(role: Role) -> Vec<(Rg, Vec<Link>)> {
    let can = |p| role.can(p);
    let mut work = Vec::new();
    if can(Permission::ViewRegistry) {
        work.push(l("/reconcile", |i| i.rg(Rg::NavReconcile)));
        work.push(l("/physicians", |i| i.rg(Rg::NavPhysicians)));
        work.push(l("/radiologists", |i| i.rg(Rg::NavRadiologists)));
        work.push(l("/procedures", |i| i.rg(Rg::NavProcedures)));
    }
    if can(Permission::ViewMessages) {
        work.push(l("/admin/hl7", |i| i.rg(Rg::NavHl7)));
    }
    let mut images = Vec::new();
    if can(Permission::QueryRetrieve) && role == Role::Administrator {
        images.push(l("/query", |i| i.q(Qr::NavQuery)));
    }
    if can(Permission::ViewStudies) && role != Role::Administrator {
        images.push(l("/admin/transfers", |i| i.r(Rt::NavTransfers)));
    }
    if can(Permission::ViewStudies) {
        images.push(l("/tokens", |i| i.tk(Tk::Nav)));
    }
    let mut admin = Vec::new();
    if can(Permission::ManageClinics) {
        admin.push(l("/admin/clinics", |i| i.t(Msg::NavAdminClinics)));
    } else if can(Permission::ViewClinics) {
        admin.push(l("/clinics", |i| i.t(Msg::NavClinics)));
    }
    if can(Permission::ManageUsers) {
        admin.push(l("/admin/users", |i| i.t(Msg::NavAdminUsers)));
    }
    if can(Permission::ManageNetwork) {
        admin.push(l("/admin/network", |i| i.t(Msg::NavNetwork)));
        admin.push(l("/admin/routing", |i| i.r(Rt::NavRouting)));
        admin.push(l("/admin/audit", |i| i.au(Au::Link)));
    }
    [
        (Rg::MenuWorkflow, work),
        (Rg::MenuImages, images),
        (Rg::MenuAdmin, admin),
    ]
    .into_iter()
    .filter(|(_, links)| !links.is_empty())
    .collect()
}

fn link_view(i18n: I18n, k: Link) -> impl IntoView {
    view! { <A href=k.href>{move || (k.label)(i18n)}</A> }
}

/// The "Menu" dropdown (a `<details>`: it opens without the WASM app too).
fn menu(i18n: I18n, role: Role) -> impl IntoView {
    let gs = groups(role);
    if gs.is_empty() {
        return ().into_any();
    }
    let details = NodeRef::<Details>::new();
    let close = move |_| {
        if let Some(d) = details.get() {
            d.set_open(false);
        }
    };
    let sections = gs
        .into_iter()
        .map(|(title, links)| {
            view! {
                <div class="menu-group">
                    <h3>{move || i18n.rg(title)}</h3>
                    {links.into_iter().map(|k| link_view(i18n, k)).collect_view()}
                </div>
            }
        })
        .collect_view();
    view! {
        <details class="menu" id="menu" node_ref=details>
            <summary>{move || i18n.rg(Rg::NavMenu)}</summary>
            <nav class="menu-panel" aria-label="menu" on:click=close>{sections}</nav>
        </details>
    }
    .into_any()
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
    view! {
        <nav class="mainnav" aria-label="main">
            <A href="/">{move || i18n.t(Msg::NavHome)}</A>
            {primary(role).into_iter().map(|k| link_view(i18n, k)).collect_view()}
        </nav>
        {menu(i18n, role)}
        <div class="usermenu">
            <span class="who" title=move || i18n.t(role_msg(role))>
                {user.display_name.to_string()}
            </span>
            <button class="secondary" id="logout" on:click=move |_| { logout.dispatch(Logout {}); }>
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
