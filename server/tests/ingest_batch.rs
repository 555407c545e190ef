//! Ingest of several instances answered together (STOW-RS): one index commit for the batch,
//! every answer in order; a duplicate inside the batch and a whole batch sent again keep one
//! copy each; a refused instance does not stop the others and leaves no file. SQLite and
//! PostgreSQL.

mod common;

use common::kinds;
use common::pacs::passerelle;
use common::rig::{spool_files, synthetic_request};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::db::index_entities::instance;
use server::synth::{StudyIds, new_uid};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_stored_together_and_in_order() {
    for kind in kinds() {
        let mut here = passerelle(kind).await;
        let clinic = here.demo_clinic().await;
        let ingest = here.state.ingest.get().expect("ingest").clone();
        let (ids, series) = (StudyIds::new(3), new_uid());
        let a = synthetic_request(clinic, &ids, &series, 1, 1024);
        let b = synthetic_request(clinic, &ids, &series, 2, 1024);
        let mut bad = synthetic_request(clinic, &ids, &series, 3, 1024);
        bad.command_sop_instance = "1.2.3.4".into();
        let dup = clone_rq(&a);
        let batch = vec![clone_rq(&a), clone_rq(&b), bad, dup];
        let statuses: Vec<u16> = ingest
            .store_batch(batch)
            .await
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses,
            vec![0, 0, 0x0117, 0],
            "in order; the duplicate is a success ({kind:?})"
        );
        let count = || instance::Entity::find().count(&here.t.db);
        assert_eq!(count().await.expect("count"), 2);
        let spool = here.t.path().join("spool");
        assert_eq!(
            spool_files(&spool).len(),
            2,
            "one file each, none for the refused one"
        );
        let again: Vec<u16> = ingest
            .store_batch(vec![clone_rq(&a), clone_rq(&b)])
            .await
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(again, vec![0, 0], "sent again: success");
        assert_eq!(count().await.expect("count"), 2);
        assert_eq!(spool_files(&spool).len(), 2);
        here.t.finish().await;
    }
}

fn clone_rq(r: &server::ingest::StoreRequest) -> server::ingest::StoreRequest {
    server::ingest::StoreRequest {
        clinic: r.clinic,
        calling_ae: r.calling_ae.clone(),
        called_ae: r.called_ae.clone(),
        command_sop_class: r.command_sop_class.clone(),
        command_sop_instance: r.command_sop_instance.clone(),
        transfer_syntax: r.transfer_syntax.clone(),
        dataset: r.dataset.clone(),
    }
}
