//! HL7 v2 intake over a real MLLP connection, on SQLite and PostgreSQL: every ACK path (AA, AE
//! naming the field, AR), idempotent resend, ADT register / update / merge, order lifecycle by
//! ORC-1, and the bad inputs of BAD-INPUT.md case 26 and 27 (no MSH, wrong encoding characters,
//! truncated frame, 20 MB message, a connection that sends nothing, the same message twice).

mod common;

use common::hl7::{MSH, Mllp, code, errs, orm, start};
use common::{TestDb, kinds};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::db::registry_entities::{hl7_message, order, patient_record, physician};
use std::time::Duration;

async fn count<E: EntityTrait>(db: &sea_orm::DatabaseConnection) -> u64
where
    E::Model: Sync,
{
    E::find().count(db).await.expect("count")
}

#[tokio::test]
async fn new_order_is_applied_once_and_a_resend_gets_the_same_ack() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let msg = orm("C1", "0012345", "ACC-1", "CT-HEAD");
        let first = c.send(&msg).await;
        assert_eq!(code(&first), "AA", "{first}");
        assert!(first.contains("|ACK^O01|"), "{first}");
        assert!(first.contains("\nMSA|AA|C1"), "{first}");
        let again = c.send(&msg).await;
        assert_eq!(again, first, "same control id: the same ACK, byte for byte");
        let db = &r.t.db;
        assert_eq!(count::<order::Entity>(db).await, 1);
        assert_eq!(count::<patient_record::Entity>(db).await, 1);
        assert_eq!(
            count::<physician::Entity>(db).await,
            1,
            "GAGNON created from ORC-12"
        );
        assert_eq!(
            count::<hl7_message::Entity>(db).await,
            1,
            "the resend is not stored again"
        );
        let o = order::Entity::find()
            .one(db)
            .await
            .expect("q")
            .expect("order");
        assert_eq!(
            (o.accession.as_str(), o.status.as_str(), o.priority.as_str()),
            ("ACC-1", "scheduled", "routine")
        );
        assert!(
            o.study_uid.starts_with("2.25."),
            "a Study Instance UID assigned: {}",
            o.study_uid
        );
        assert_eq!(o.scheduled_at, 1_796_671_800, "14:30 Montreal time");
        let p = patient_record::Entity::find()
            .one(db)
            .await
            .expect("q")
            .expect("patient");
        assert_eq!(
            (p.family_name.as_str(), p.given_name.as_str()),
            ("CÔTÉ", "Hélène"),
            "accents kept"
        );
        r.t.finish().await;
    }
}

#[tokio::test]
async fn content_errors_answer_ae_naming_the_field_and_apply_nothing() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let unknown = c.send(&orm("E1", "0012345", "ACC-2", "XR-FOOT")).await;
        assert_eq!(code(&unknown), "AE", "{unknown}");
        assert!(
            errs(&unknown)[0].starts_with("ERR|OBR^1^4^103&"),
            "{unknown}"
        );
        let bad_ramq = orm("E2", "0012345", "ACC-3", "CT-HEAD").replace(
            "0012345^^^CLINIQUE-MTL^MR",
            "0012345^^^CLINIQUE-MTL^MR~TREM85^^^RAMQ^JHN",
        );
        let ack = c.send(&bad_ramq).await;
        assert_eq!(code(&ack), "AE", "{ack}");
        assert!(errs(&ack)[0].starts_with("ERR|PID^1^3^102&"), "{ack}");
        let v25 = format!("{MSH}ORM^O01|E3|P|2.5.1\nORC|NW|X|||SC\nOBR|1|X||CT-HEAD");
        let no_pid = c.send(&v25).await;
        assert_eq!(code(&no_pid), "AE", "{no_pid}");
        assert!(
            errs(&no_pid)[0].starts_with("ERR||PID^1|101^Required field missing^HL70357|E|"),
            "{no_pid}"
        );
        let db = &r.t.db;
        assert_eq!(count::<order::Entity>(db).await, 0);
        assert_eq!(
            count::<patient_record::Entity>(db).await,
            0,
            "nothing half-applied"
        );
        assert_eq!(count::<physician::Entity>(db).await, 0);
        assert_eq!(
            count::<hl7_message::Entity>(db).await,
            3,
            "refused messages are stored"
        );
        r.t.finish().await;
    }
}

/// The unique indexes are the duplicate check of an order's insert: a second order with the
/// Study Instance UID of another (ZDS-1) is refused naming ZDS, and only the first is kept.
#[tokio::test]
async fn a_study_uid_taken_by_another_order_is_refused() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let zds = "\nZDS|1.2.826.0.1.3680043.8.498.77^PASSERELLE^Application^DICOM";
        let first = c
            .send(&(orm("U1", "0012345", "ACC-U1", "CT-HEAD") + zds))
            .await;
        assert_eq!(code(&first), "AA", "{first}");
        let second = c
            .send(&(orm("U2", "0012345", "ACC-U2", "CT-HEAD") + zds))
            .await;
        assert_eq!(code(&second), "AE", "{second}");
        assert!(errs(&second)[0].starts_with("ERR|ZDS^1^1^205&"), "{second}");
        assert_eq!(count::<order::Entity>(&r.t.db).await, 1);
        r.t.finish().await;
    }
}

#[tokio::test]
async fn unreadable_and_unsupported_messages_answer_ar() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let no_msh = c.send("PID|1||0012345").await;
        assert_eq!(code(&no_msh), "AR", "{no_msh}");
        assert!(
            no_msh.contains("does not start with an MSH segment"),
            "{no_msh}"
        );
        let bad_enc = c
            .send("MSH|^^\\&|RIS|CLINIQUE-MTL|PAS|PAS|20261207||ADT^A04|B1|P|2.5\nPID|1||1")
            .await;
        assert_eq!(code(&bad_enc), "AR", "{bad_enc}");
        assert!(bad_enc.contains("MSH-2"), "{bad_enc}");
        let oru = c.send(&format!("{MSH}ORU^R01|B2|P|2.5\nPID|1||1")).await;
        assert_eq!(code(&oru), "AR", "{oru}");
        assert!(
            errs(&oru)[0].contains("|200^Unsupported message type^HL70357|"),
            "{oru}"
        );
        let version = c.send(&format!("{MSH}ADT^A04|B3|P|2.7\nPID|1||1")).await;
        assert!(errs(&version)[0].contains("203&"), "{version}");
        let training = c.send(&format!("{MSH}ADT^A04|B4|T|2.5\nPID|1||1")).await;
        assert_eq!(code(&training), "AR", "{training}");
        let latin = b"MSH|^~\\&|RIS|CLINIQUE-MTL|P|P|1||ADT^A04|B5|P|2.5|||||CAN|UNICODE UTF-8\rPID|1||9||C\xd4T\xc9^A";
        c.send_raw(&domain::hl7::mllp::frame(latin)).await;
        let not_utf8 = c.ack().await;
        assert_eq!(code(&not_utf8), "AR", "{not_utf8}");
        assert_eq!(count::<patient_record::Entity>(&r.t.db).await, 0);
        r.t.finish().await;
    }
}

#[tokio::test]
async fn adt_registers_updates_and_merges_patients() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let pid = |mrn: &str, name: &str| {
            format!(
                "PID|1||{mrn}^^^CLINIQUE-MTL^MR~TREM85511512^^^RAMQ^JHN||{name}||19850115|F|||||||FR"
            )
        };
        let a04 = c
            .send(&format!(
                "{MSH}ADT^A04^ADT_A01|A1|P|2.5.1\n{}",
                pid("0012345", "TREMBLAY^Marie")
            ))
            .await;
        assert_eq!(code(&a04), "AA", "{a04}");
        let dup = c
            .send(&format!(
                "{MSH}ADT^A04|A2|P|2.5.1\n{}",
                pid("0099999", "TREMBLAY^Marie")
            ))
            .await;
        assert_eq!(
            code(&dup),
            "AA",
            "a second record of the same person: {dup}"
        );
        let a08 = c
            .send(&format!(
                "{MSH}ADT^A08|A3|P|2.5.1\n{}",
                pid("0012345", "TREMBLAY^Marie-Ève")
            ))
            .await;
        assert_eq!(code(&a08), "AA", "{a08}");
        let db = &r.t.db;
        assert_eq!(count::<patient_record::Entity>(db).await, 2);
        let a40 = format!(
            "{MSH}ADT^A40^ADT_A39|A4|P|2.5.1\n{}\nMRG|0099999^^^CLINIQUE-MTL^MR",
            pid("0012345", "TREMBLAY^Marie-Ève")
        );
        assert_eq!(code(&c.send(&a40).await), "AA");
        let state = &r.state;
        let clinic = domain::ClinicId(r.clinic);
        let survivor = server::db::patients::find_id(&state.db, clinic, "0099999")
            .await
            .expect("q");
        let main = server::db::patients::find_id(&state.db, clinic, "0012345")
            .await
            .expect("q");
        assert_eq!(
            survivor, main,
            "the merged number now finds the surviving record"
        );
        assert_eq!(
            count::<patient_record::Entity>(db).await,
            2,
            "nothing deleted"
        );
        let merged = patient_record::Entity::find().all(db).await.expect("q");
        assert_eq!(merged.iter().filter(|p| p.merged_into.is_some()).count(), 1);
        let v = server::db::patients::get(db, &domain::Scope::All, main.expect("found"))
            .await
            .expect("view");
        assert_eq!(v.given_name_check(), "Marie-Ève");
        assert_eq!(v.aliases, vec!["0099999".to_owned()]);
        let audit = server::db::audit::list(db, &domain::Scope::All, Some("patient_merge"), 10)
            .await
            .expect("audit");
        assert_eq!(audit.len(), 1, "the merge is audited");
        let unknown = format!(
            "{MSH}ADT^A40|A5|P|2.5.1\n{}\nMRG|0000000^^^CLINIQUE-MTL^MR",
            pid("0012345", "X^Y")
        );
        let ack = c.send(&unknown).await;
        assert!(errs(&ack)[0].starts_with("ERR||MRG^1^1|204^"), "{ack}");
        r.t.finish().await;
    }
}

trait GivenName {
    fn given_name_check(&self) -> &str;
}

impl GivenName for domain::registry::PatientView {
    fn given_name_check(&self) -> &str {
        &self.name.given
    }
}

#[tokio::test]
async fn order_lifecycle_follows_orc_1() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        assert_eq!(
            code(&c.send(&orm("L1", "0012345", "ACC-9", "CT-HEAD")).await),
            "AA"
        );
        let ctl = |id: &str, ctl: &str, status: &str| {
            format!(
                "{MSH}ORM^O01|{id}|P|2.3.1\nORC|{ctl}|ACC-9|||{status}\nOBR|1|ACC-9||CT-HEAD||||||||||||||ACC-9"
            )
        };
        let xo = format!(
            "{MSH}ORM^O01|L2|P|2.3.1\nORC|XO|ACC-9|||SC||^^^20261208080000^^S\nOBR|1|ACC-9||MR-KNEE||||||||||||||ACC-9"
        );
        assert_eq!(code(&c.send(&xo).await), "AA");
        let o = order::Entity::find()
            .one(&r.t.db)
            .await
            .expect("q")
            .expect("order");
        assert_eq!(o.priority, "stat");
        assert_eq!(o.modality, "MR", "procedure changed to MR-KNEE");
        assert_eq!(code(&c.send(&ctl("L3", "SC", "IP")).await), "AA");
        let refused = c.send(&ctl("L4", "CA", "")).await;
        assert_eq!(
            code(&refused),
            "AE",
            "an order in progress cannot be cancelled: {refused}"
        );
        assert!(
            refused.contains("cannot go from in_progress to cancelled"),
            "{refused}"
        );
        assert_eq!(code(&c.send(&ctl("L5", "SC", "CM")).await), "AA");
        let o = order::Entity::find()
            .one(&r.t.db)
            .await
            .expect("q")
            .expect("order");
        assert_eq!(o.status, "completed");
        let unknown = c.send(&ctl("L6", "CA", "").replace("ACC-9", "NOPE")).await;
        assert!(
            errs(&unknown)[0].starts_with("ERR|ORC^1^2^204&"),
            "{unknown}"
        );
        r.t.finish().await;
    }
}

#[tokio::test]
async fn unmapped_facility_is_refused_and_can_be_processed_again() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |_| {}).await;
        let mut c = Mllp::connect(r.addr).await;
        let msg =
            orm("U1", "0012345", "ACC-5", "CT-HEAD").replace("|RIS|CLINIQUE-MTL|", "|RIS|LAVAL|");
        let ack = c.send(&msg).await;
        assert_eq!(code(&ack), "AE", "{ack}");
        assert!(ack.contains("not mapped to a clinic"), "{ack}");
        let clinic = domain::ClinicId(r.clinic);
        let maps = vec![domain::hl7::views::FacilityMap {
            side: domain::hl7::views::FacilitySide::Sending,
            facility: "LAVAL".into(),
            clinic,
        }];
        let admin = server::db::users::session_user(&r.t.db, domain::UserId(1))
            .await
            .expect("q")
            .expect("admin");
        server::hl7::service::save_facilities(&r.state, &admin, maps)
            .await
            .expect("mapped");
        let stored = hl7_message::Entity::find()
            .one(&r.t.db)
            .await
            .expect("q")
            .expect("msg");
        let again = server::hl7::service::reprocess(&r.state, &admin, stored.id)
            .await
            .expect("reprocess");
        assert_eq!(again.row.ack_code, "AA", "{again:?}");
        assert_eq!(again.row.attempts, 2);
        assert_eq!(count::<order::Entity>(&r.t.db).await, 1);
        let resent = c.send(&msg).await;
        assert_eq!(
            code(&resent),
            "AA",
            "a resend now gets the stored AA: {resent}"
        );
        assert_eq!(
            count::<order::Entity>(&r.t.db).await,
            1,
            "and changes nothing"
        );
        r.t.finish().await;
    }
}

#[tokio::test]
async fn framing_faults_are_answered_and_the_connection_goes_on() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |c| c.hl7.max_message_kib = 1024).await;
        let mut c = Mllp::connect(r.addr).await;
        let good = orm("F2", "0012345", "ACC-7", "CT-HEAD").replace('\n', "\r");
        let mut bytes =
            b"\x0bMSH|^~\\&|RIS|CLINIQUE-MTL|P|P|1||ORM^O01|F1|P|2.3.1\rPID|1||77".to_vec();
        bytes.extend(domain::hl7::mllp::frame(good.as_bytes()));
        c.send_raw(&bytes).await;
        let truncated = c.ack().await;
        assert_eq!(code(&truncated), "AR", "{truncated}");
        assert!(
            truncated.contains("MSA|AR|F1|truncated MLLP frame"),
            "{truncated}"
        );
        assert_eq!(code(&c.ack().await), "AA", "the next frame is processed");
        // 20 MB in one frame: skipped with bounded memory, answered AR, connection kept.
        let mut big = format!("{MSH}ORM^O01|F3|P|2.3.1\rNTE|1||").into_bytes();
        big.resize(20 << 20, b'x');
        c.send_raw(&domain::hl7::mllp::frame(&big)).await;
        let too_large = c.ack().await;
        assert_eq!(
            code(&too_large),
            "AR",
            "{}",
            &too_large[..too_large.len().min(400)]
        );
        assert!(too_large.contains("over the limit"), "{too_large}");
        assert!(
            too_large.contains("MSA|AR|F3|"),
            "the ACK names the message: {too_large}"
        );
        assert_eq!(
            code(&c.send(&orm("F4", "0012345", "ACC-8", "CT-HEAD")).await),
            "AA"
        );
        assert_eq!(count::<order::Entity>(&r.t.db).await, 2);
        r.t.finish().await;
    }
}

#[tokio::test]
async fn silent_and_stalled_connections_are_closed() {
    for kind in kinds() {
        let r = start(TestDb::new(kind).await, |c| {
            c.hl7.idle_timeout_seconds = 1;
            c.hl7.frame_timeout_seconds = 1;
        })
        .await;
        let mut silent = Mllp::connect(r.addr).await;
        assert!(
            silent.closed_within(Duration::from_secs(5)).await,
            "closed after the idle timeout"
        );
        let mut stalled = Mllp::connect(r.addr).await;
        stalled
            .send_raw(b"\x0bMSH|^~\\&|RIS|CLINIQUE-MTL|P|P|1||ADT^A04|S1|P|2.5\rPID|1||")
            .await;
        assert!(
            stalled.closed_within(Duration::from_secs(5)).await,
            "closed after the frame timeout"
        );
        let m = hl7_message::Entity::find()
            .one(&r.t.db)
            .await
            .expect("q")
            .expect("recorded");
        assert_eq!(
            (m.status.as_str(), m.control_id.as_str()),
            ("rejected", "S1")
        );
        assert_eq!(count::<patient_record::Entity>(&r.t.db).await, 0);
        r.t.finish().await;
    }
}
