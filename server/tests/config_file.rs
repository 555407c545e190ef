//! `passerelle config export` / `import` through the real binary, on SQLite and PostgreSQL:
//! round trip, edits shown and applied, every problem of an invalid file, secrets.

mod common;

use common::TestDb;
use common::netconf::*;
use domain::routing::{Condition, Field};
use sea_orm::EntityTrait;
use server::db::routing_entities::destination as dest;
#[tokio::test]
async fn export_then_import_changes_nothing() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let text = export(t);
        assert!(
            text.contains("[[destinations]]") && text.contains("EFVP-2026-014"),
            "{text}"
        );
        let r = import(t, &text, true, &[]);
        assert_eq!(r.code, Some(0), "{:?}: {}", t.kind, r.stderr);
        assert!(
            r.stdout.starts_with("no changes\n"),
            "{:?}: {}",
            t.kind,
            r.stdout
        );
        let r = import(t, &text, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
        assert_eq!(
            snapshot(&t.db).await,
            before,
            "{:?}: an identical import writes nothing",
            t.kind
        );
        assert_eq!(export(t), text, "export is stable");
    })
    .await;
}

/// After the edited import: the node updated in place, `spare` gone, the other destinations
/// with their ids, the new rule after the DEMO one and versioned.
fn applied_exactly_the_edits(before: &Snapshot, after: &Snapshot) {
    let node = |s: &Snapshot| {
        s.nodes
            .iter()
            .find(|n| n.name == "vna-mtl node")
            .cloned()
            .expect("node")
    };
    assert_eq!(node(after).id, node(before).id, "updated in place");
    assert_eq!(node(after).port, 4243);
    assert!(after.dests.iter().all(|d| d.name != "spare"));
    let kept: Vec<(i64, &str)> = after
        .dests
        .iter()
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    let was: Vec<(i64, &str)> = before
        .dests
        .iter()
        .filter(|d| d.name != "spare")
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    assert_eq!(kept, was, "destinations keep their ids");
    let mr = after
        .rules
        .iter()
        .find(|r| r.name == "MR to VNA")
        .expect("new rule");
    assert_eq!(
        (mr.clinic_id, mr.position),
        (Some(1), 1),
        "after the DEMO rule"
    );
    let v = after.versions.last().expect("version");
    assert_eq!((v.rule_id, v.changed_by.as_str()), (mr.id, "config import"));
    assert_eq!(after.versions.len(), before.versions.len() + 1);
    assert_eq!(
        after.nodes.len(),
        before.nodes.len(),
        "the spare node stays (it is in the file)"
    );
}

#[tokio::test]
async fn an_edited_file_shows_and_applies_exactly_its_edits() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let edited = edit(&export(t), |f| {
            let node = f
                .nodes
                .iter_mut()
                .find(|n| n.name == "vna-mtl node")
                .expect("node");
            node.port = 4243;
            f.destinations.retain(|d| d.name != "spare");
            let mr = rule("MR to VNA", &["vna-mtl"], "MR", "^(?:brain|head)");
            f.rules.push(entry(Some("DEMO"), mr));
        });
        let r = import(t, &edited, true, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let expected = "remote nodes:\n  ~ changed \"vna-mtl node\": port: 4242 → 4243\n\
                        destinations:\n  - removed \"spare\"\n\
                        routing rules:\n  + added \"MR to VNA\" (DEMO)\n\
                        3 changes: 1 added, 1 changed, 1 removed\n\
                        dry run: nothing was changed\n";
        assert_eq!(r.stdout, expected, "{:?}", t.kind);
        assert_eq!(snapshot(&t.db).await, before, "a dry run changes nothing");

        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stdout.contains("3 changes"), "{}", r.stdout);
        applied_exactly_the_edits(&before, &snapshot(&t.db).await);

        let r = import(t, &edited, true, &[]);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
    })
    .await;
}

#[tokio::test]
async fn an_invalid_file_lists_every_problem_and_changes_nothing() {
    each_database(async |t: &TestDb| {
        let before = snapshot(&t.db).await;
        let bad = edit(&export(t), |f| {
            f.local_aes[0].ae_title = "MUCH_TOO_LONG_AE_TITLE".into();
            f.nodes[0].port = 4243;
            let ct = f
                .rules
                .iter_mut()
                .find(|r| r.clinic.is_some())
                .expect("clinic rule");
            ct.when = Condition::Matches {
                field: Field::StudyDescription,
                pattern: "^(thorax".into(),
            };
            let global = f
                .rules
                .iter_mut()
                .find(|r| r.clinic.is_none())
                .expect("global rule");
            global.destinations.push("nowhere".into());
            f.rules.push(entry(
                Some("NOPE"),
                rule("Elsewhere", &["vna-mtl"], "US", "x"),
            ));
        });
        for dry_run in [true, false] {
            let r = import(t, &bad, dry_run, &[]);
            assert_eq!(r.code, Some(65), "{:?}: {}{}", t.kind, r.stdout, r.stderr);
            for needle in [
                "4 problems",
                "local_aes[0].ae_title: AE title must be at most 16 characters",
                "when.pattern: invalid regular expression",
                "destinations[1]: unknown destination \"nowhere\"",
                "rules[2].clinic: unknown clinic code \"NOPE\"",
            ] {
                assert!(r.stderr.contains(needle), "{needle:?} in {}", r.stderr);
            }
            assert!(r.stdout.is_empty(), "{}", r.stdout);
            assert_eq!(
                snapshot(&t.db).await,
                before,
                "{:?}: nothing changed",
                t.kind
            );
        }
    })
    .await;
}

#[tokio::test]
async fn secrets_stay_out_of_the_file_and_survive_the_round_trip() {
    each_database(async |t: &TestDb| {
        let text = export(t);
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("secret_env = \"PASSERELLE_SECRET_CLOUD\""), "{text}");
        let secret = async || {
            let d = dest::Entity::find().all(&t.db).await.expect("dests");
            d.into_iter().find(|d| d.name == "cloud").expect("cloud").auth_secret
        };
        let edited = edit(&text, |f| f.destinations.iter_mut().for_each(|d| d.timeout_seconds = 45));
        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!r.stdout.contains("secret"), "{}", r.stdout);
        assert_eq!(secret().await, SECRET, "kept when the variable is unset");

        let env = [("PASSERELLE_SECRET_CLOUD", "rotated-token")];
        let r = import(t, &edited, true, &env);
        assert!(r.stdout.contains("~ changed \"cloud\": secret: replaced"), "{}", r.stdout);
        assert!(!r.stdout.contains("rotated-token"), "{}", r.stdout);
        let r = import(t, &edited, false, &env);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(secret().await, "rotated-token", "taken from the variable");
        assert!(!export(t).contains("rotated-token"));

        // A new bearer destination needs its variable.
        let new = edit(&edited, |f| {
            let mut d = f.destinations.iter().find(|d| d.name == "cloud").cloned().expect("cloud");
            d.name = "cloud-2".into();
            d.secret_env = Some("PASSERELLE_SECRET_CLOUD_2".into());
            f.destinations.push(d);
        });
        let r = import(t, &new, true, &[]);
        assert_eq!(r.code, Some(65), "{}", r.stdout);
        assert!(
            r.stderr.contains("destinations[3].secret_env: environment variable PASSERELLE_SECRET_CLOUD_2 is not set"),
            "{}",
            r.stderr
        );
    })
    .await;
}
