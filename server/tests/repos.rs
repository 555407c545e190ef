//! Repository and migration tests on SQLite and PostgreSQL.

mod common;

use common::{TestDb, kinds};
use domain::views::SessionUser;
use domain::{ClinicCode, ClinicId, ClinicName, DisplayName, Role, Scope, Username};
use migrations::{Migrator, MigratorTrait};
use server::db::users::UserWrite;
use server::db::{RepoError, clinics, users};

fn code(s: &str) -> ClinicCode {
    ClinicCode::parse(s).expect("code")
}

fn name(s: &str) -> ClinicName {
    ClinicName::parse(s).expect("name")
}

fn write(clinics: Vec<ClinicId>, role: Role) -> UserWrite {
    UserWrite {
        display_name: DisplayName::parse("Test User").expect("name"),
        role,
        clinics,
        active: true,
        password_hash: Some("$argon2id$placeholder".into()),
    }
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let n = Migrator::migrations().len() as u32;
        Migrator::down(&t.db, Some(n)).await.expect("down");
        assert!(
            Migrator::get_applied_migrations(&t.db)
                .await
                .expect("applied")
                .is_empty()
        );
        Migrator::up(&t.db, None).await.expect("up again");
        clinics::create(&t.db, &code("AB"), &name("After"))
            .await
            .expect("schema usable");
        t.finish().await;
    }
}

#[tokio::test]
async fn clinic_reads_honour_the_scope() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let a = clinics::create(&t.db, &code("A1"), &name("A"))
            .await
            .expect("a");
        let b = clinics::create(&t.db, &code("B1"), &name("B"))
            .await
            .expect("b");
        let only_a = Scope::for_user(Role::ClinicStaff, [a.id]);
        let seen = clinics::list(&t.db, &only_a).await.expect("list");
        assert_eq!(seen, vec![a.clone()]);
        assert!(matches!(
            clinics::get(&t.db, &only_a, b.id).await,
            Err(RepoError::NotFound)
        ));
        assert_eq!(
            clinics::list(&t.db, &Scope::All).await.expect("all").len(),
            2
        );
        let nothing = Scope::for_user(Role::Radiologist, []);
        assert!(
            clinics::list(&t.db, &nothing)
                .await
                .expect("none")
                .is_empty()
        );
        assert!(matches!(
            clinics::create(&t.db, &code("a1"), &name("dup")).await,
            Err(RepoError::Conflict(_))
        ));
        t.finish().await;
    }
}

#[tokio::test]
async fn users_and_memberships() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let a = clinics::create(&t.db, &code("A1"), &name("A"))
            .await
            .expect("a");
        let b = clinics::create(&t.db, &code("B1"), &name("B"))
            .await
            .expect("b");
        let u = Username::parse("rad.one").expect("u");
        let created = users::create(&t.db, &u, write(vec![b.id, a.id], Role::Radiologist))
            .await
            .expect("create");
        assert_eq!(created.clinics, vec![a.id, b.id]);
        let other = Username::parse("staff.b").expect("u");
        users::create(&t.db, &other, write(vec![b.id], Role::ClinicStaff))
            .await
            .expect("create");
        let in_a = users::list(&t.db, &Scope::for_user(Role::ClinicStaff, [a.id]))
            .await
            .expect("list");
        assert_eq!(
            in_a.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(),
            ["rad.one"]
        );
        let su: SessionUser = users::session_user(&t.db, created.id)
            .await
            .expect("q")
            .expect("active");
        assert_eq!(su.scope(), Scope::for_user(Role::Radiologist, [a.id, b.id]));
        let mut w = write(vec![a.id], Role::Radiologist);
        w.active = false;
        w.password_hash = None;
        users::update(&t.db, created.id, w).await.expect("update");
        assert!(
            users::session_user(&t.db, created.id)
                .await
                .expect("q")
                .is_none(),
            "inactive"
        );
        let bad = users::create(
            &t.db,
            &Username::parse("ghost").expect("u"),
            write(vec![ClinicId(999)], Role::ClinicStaff),
        )
        .await;
        assert!(
            matches!(bad, Err(RepoError::Invalid(_))),
            "unknown clinic refused"
        );
        assert!(
            users::find_login(&t.db, &Username::parse("ghost").expect("u"))
                .await
                .expect("q")
                .is_none(),
            "rolled back"
        );
        t.finish().await;
    }
}
