//! `passerelle config import` safety, on SQLite and PostgreSQL: a failure half-way rolls back,
//! destinations with forward jobs are kept, local AE titles can swap ports.

mod common;

use common::netconf::*;
use common::{Kind, TestDb};
use domain::JobState;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use server::db::index_entities::{instance, patient, series, study};
use server::db::routing_entities::forward_job;

/// Makes the database refuse a rule named `boom`: the last writes of an import.
async fn refuse_rule_boom(t: &TestDb) {
    let statements: &[&str] = match t.kind {
        Kind::Sqlite => &["CREATE TRIGGER boom BEFORE INSERT ON routing_rules \
             WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END"],
        Kind::Postgres => &[
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN \
             IF NEW.name = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER boom BEFORE INSERT ON routing_rules \
             FOR EACH ROW EXECUTE FUNCTION boom()",
        ],
    };
    for s in statements {
        t.db.execute_unprepared(s).await.expect("trigger");
    }
}

#[tokio::test]
async fn a_failure_half_way_through_rolls_everything_back() {
    each_database(async |t: &TestDb| {
        refuse_rule_boom(t).await;
        let before = snapshot(&t.db).await;
        let edited = edit(&export(t), |f| {
            f.local_aes[0].port = Some(11114);
            f.nodes.iter_mut().for_each(|n| n.port += 1);
            f.destinations.retain(|d| d.name != "spare");
            f.nodes.retain(|n| n.name != "spare node");
            f.rules.retain(|r| r.clinic.is_some());
            f.rules
                .push(entry(None, rule("boom", &["vna-mtl"], "MR", "x")));
        });
        let r = import(t, &edited, true, &[]);
        assert!(
            r.stdout.contains("+ added \"boom\" (global)"),
            "{}",
            r.stdout
        );
        let r = import(t, &edited, false, &[]);
        assert_eq!(r.code, Some(1), "{:?}: {}{}", t.kind, r.stdout, r.stderr);
        assert!(r.stderr.contains("boom refused"), "{}", r.stderr);
        assert_eq!(
            snapshot(&t.db).await,
            before,
            "{:?}: all or nothing",
            t.kind
        );
    })
    .await;
}

/// Inserts one received instance (patient, study, series, instance); returns its id.
async fn received_instance(t: &TestDb) -> i64 {
    let p = patient::ActiveModel {
        clinic_id: Set(1),
        patient_key: Set("P1".into()),
        name: Set("DOE^J".into()),
        birth_date: Set(String::new()),
        sex: Set(String::new()),
        ..Default::default()
    };
    let p = p.insert(&t.db).await.expect("patient");
    let s = study::ActiveModel {
        clinic_id: Set(1),
        patient_id: Set(p.id),
        study_uid: Set("1.2.3".into()),
        study_date: Set(String::new()),
        study_time: Set(String::new()),
        accession: Set(String::new()),
        description: Set(String::new()),
        referring_physician: Set(String::new()),
        modalities: Set("CT".into()),
        instance_count: Set(0), // the instance insert below counts itself (trigger)
        source_ae: Set("CT1".into()),
        received_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    let s = s.insert(&t.db).await.expect("study");
    let se = series::ActiveModel {
        study_id: Set(s.id),
        series_uid: Set("1.2.3.4".into()),
        modality: Set("CT".into()),
        number: Set("1".into()),
        description: Set(String::new()),
        body_part: Set(String::new()),
        instance_count: Set(0), // the instance insert below counts itself (trigger)
        route_facts: Set(String::new()),
        ..Default::default()
    };
    let se = se.insert(&t.db).await.expect("series");
    let i = instance::ActiveModel {
        clinic_id: Set(1),
        series_id: Set(se.id),
        sop_instance_uid: Set("1.2.3.4.5".into()),
        sop_class_uid: Set("1.2".into()),
        instance_number: Set("1".into()),
        transfer_syntax: Set("1.2.840.10008.1.2.1".into()),
        size: Set(1),
        digest: Set(String::new()),
        spool_path: Set("x".into()),
        calling_ae: Set("CT1".into()),
        called_ae: Set("PASSERELLE".into()),
        received_at: Set(0),
        purged_at: Set(None),
        ..Default::default()
    };
    i.insert(&t.db).await.expect("instance").id
}

/// Inserts a forward job (done) of a received instance to destination `to`.
async fn job_to(t: &TestDb, to: i64) {
    let j = forward_job::ActiveModel {
        instance_id: Set(received_instance(t).await),
        destination_id: Set(to),
        clinic_id: Set(1),
        study_uid: Set("1.2.3".into()),
        rule_name: Set("everything".into()),
        state: Set(JobState::Done.as_str().into()),
        attempts: Set(1),
        due_at: Set(0),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        created_at: Set(0),
        updated_at: Set(0),
        done_at: Set(Some(0)),
        ..Default::default()
    };
    j.insert(&t.db).await.expect("job");
}

#[tokio::test]
async fn destinations_with_forward_jobs_are_disabled_not_removed() {
    each_database(async |t: &TestDb| {
        let spare = snapshot(&t.db)
            .await
            .dests
            .into_iter()
            .find(|d| d.name == "spare")
            .expect("spare");
        job_to(t, spare.id).await;
        let before = snapshot(&t.db).await;
        let text = export(t);
        let without = edit(&text, |f| {
            f.destinations.retain(|d| d.name != "spare");
            f.nodes.retain(|n| n.name != "spare node");
        });
        let r = import(t, &without, true, &[]);
        assert_eq!(r.code, Some(65), "{}", r.stdout);
        assert!(
            r.stderr.contains(
                "destinations: \"spare\" is not in the file but 1 forward jobs refer to it"
            ),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("nodes: \"spare node\" is not in the file"),
            "{}",
            r.stderr
        );
        assert_eq!(snapshot(&t.db).await, before);

        let disabled = edit(&text, |f| {
            f.destinations
                .iter_mut()
                .filter(|d| d.name == "spare")
                .for_each(|d| d.enabled = false);
        });
        let r = import(t, &disabled, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout
                .contains("~ changed \"spare\": enabled: true → false"),
            "{}",
            r.stdout
        );
        let now = snapshot(&t.db)
            .await
            .dests
            .into_iter()
            .find(|d| d.name == "spare")
            .expect("spare");
        assert_eq!(
            (now.id, now.enabled),
            (spare.id, false),
            "same row, jobs still attached"
        );
    })
    .await;
}

#[tokio::test]
async fn local_ae_titles_can_swap_their_ports() {
    each_database(async |t: &TestDb| {
        let text = edit(&export(t), |f| {
            let mut other = f.local_aes[0].clone();
            other.ae_title = "PASS_EST".into();
            other.clinic = "EST".into();
            other.port = Some(11114);
            f.local_aes.push(other);
        });
        let r = import(t, &text, false, &[]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let swapped = edit(&text, |f| {
            f.local_aes
                .iter_mut()
                .for_each(|a| a.port = a.port.map(|p| 11113 + 11114 - p));
        });
        let r = import(t, &swapped, false, &[]);
        assert_eq!(r.code, Some(0), "{:?}: {}", t.kind, r.stderr);
        assert!(
            r.stdout.contains("PASS_EST: port: 11114 → 11113"),
            "{}",
            r.stdout
        );
        let r = import(t, &swapped, true, &[]);
        assert!(r.stdout.starts_with("no changes\n"), "{}", r.stdout);
    })
    .await;
}
