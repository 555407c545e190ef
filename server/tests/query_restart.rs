//! A retrieve survives a restart: the real binary is killed (-9) during a C-MOVE from dcmqrscp;
//! the job stays with its lease; the next process takes it again when the lease runs out,
//! moves the study again and completes it. On SQLite and PostgreSQL.

mod common;

use common::pacs::{StudySpec, dcmqrscp, load, write_study};
use common::peers::{self, free_port};
use common::{TestDb, kinds};
use domain::query::RetrieveState;
use domain::{AeTitle, ClinicId, Host, Jurisdiction, NodeRole, Port, Scope};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::db::index_entities::instance;
use server::db::network::{NodeWrite, save_node};
use server::db::retrieves::{self, NewRetrieve};
use std::time::{Duration, Instant};

fn serve(t: &TestDb, dicom: u16) -> peers::Proc {
    let env = [("PASSERELLE__QUERY__LEASE_SECONDS", "3".to_owned())];
    peers::serve(t.path(), &t.url, dicom, &env)
}

async fn instances(t: &TestDb) -> u64 {
    instance::Entity::find().count(&t.db).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retrieve_survives_a_restart() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let dicom = free_port();
        let qr = dcmqrscp(&[("PASSERELLE", dicom)]);
        let files = tempfile::tempdir().expect("dir");
        let n = 400;
        let spec = StudySpec {
            patient_name: "ROY^ANNE",
            patient_id: "RS1",
            study_date: "20260101",
            description: "IRM",
            instances: n,
            pixel_bytes: 32_768,
        };
        let (study, f) = write_study(files.path(), &spec);
        load("PACS", qr.port, &f);
        let first = serve(&t, dicom);
        let clinic = server::db::clinics::list(&t.db, &Scope::All)
            .await
            .expect("clinics")[0]
            .id;
        let node = save_node(
            &t.db,
            None,
            NodeWrite {
                name: "PACS1".into(),
                ae_title: AeTitle::parse("PACS").expect("present"),
                host: Host::parse("127.0.0.1").expect("present"),
                port: Port::new(u32::from(qr.port)).expect("present"),
                tls: false,
                role: NodeRole::Pacs,
                jurisdiction: Jurisdiction::Quebec,
                notes: String::new(),
                clinics: vec![clinic],
            },
        )
        .await
        .expect("node");
        let job = retrieves::create(
            &t.db,
            NewRetrieve {
                clinic_id: clinic.0,
                node_id: node.id,
                method: "move_here",
                move_destination: "",
                model: "study_root",
                patient_id: "",
                study_uid: &study,
                series_uids: &[],
                created_by: "test",
            },
        )
        .await
        .expect("job");
        let end = Instant::now() + Duration::from_secs(60);
        while instances(&t).await < 10 {
            assert!(
                Instant::now() < end,
                "the first process never started the move"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(first); // kill -9
        let got = instances(&t).await;
        assert!(got < n as u64, "killed during the move ({got} of {n})");
        let j = retrieves::get(&t.db, &Scope::All, job.id)
            .await
            .expect("job");
        assert_eq!(
            j.state,
            RetrieveState::Running.as_str(),
            "left running with its lease"
        );
        let _second = serve(&t, dicom);
        let end = Instant::now() + Duration::from_secs(120);
        let j = loop {
            let j = retrieves::get(&t.db, &Scope::All, job.id)
                .await
                .expect("job");
            if RetrieveState::parse(&j.state).is_some_and(RetrieveState::is_final) {
                break j;
            }
            assert!(
                Instant::now() < end,
                "not finished after the restart: {j:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(j.state, "completed", "{j:?}");
        assert!(j.attempts >= 2, "taken again after the restart: {j:?}");
        let distinct = instance::Entity::find()
            .filter(instance::Column::ClinicId.eq(ClinicId(clinic.0).0))
            .count(&t.db)
            .await
            .expect("count");
        assert_eq!(
            distinct, n as u64,
            "every instance once in the index ({kind:?})"
        );
        t.finish().await;
    }
}
