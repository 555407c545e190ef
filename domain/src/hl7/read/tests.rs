//! Reading ADT, ORM and OMI messages as real RIS send them.

use super::*;
use crate::hl7::ack::Header;
use crate::orders::{OrderStatus, Priority};

fn msg(text: &str) -> Message {
    Message::parse(&text.replace('\n', "\r")).expect("parse")
}

const ORM: &str = "MSH|^~\\&|RIS|CLINIQUE-MTL|PASSERELLE|PAS|20261207093000||ORM^O01|ORM0001|P|2.3.1
PID|1||0012345^^^CLINIQUE-MTL^MR||CÔTÉ^Hélène||19850115|F|||||||FR|||||TREM85511512
PV1|1|O|||||||||||||||||V7788
ORC|NW|PLC100|FIL200||SC||^^^20261207143000^^S||20261207093000|||98765^GAGNON^Luc
OBR|1|PLC100|FIL200|CT-HEAD^TDM cérébrale^L|||||||||Céphalées|||||ACC-0001|RP0001|SPS0001||||CT|||||||Céphalées intenses
ZDS|1.2.826.0.1.3680043.8.498.1^PASSERELLE^Application^DICOM";

#[test]
fn event_of_each_message() {
    let h = |t: &str| Header::read(&msg(&format!("MSH|^~\\&|A|B|C|D|1||{t}|1|P|2.5.1")));
    assert_eq!(event(&h("ADT^A04")), Ok(Event::Register));
    assert_eq!(event(&h("ADT^A08")), Ok(Event::Update));
    assert_eq!(event(&h("ADT^A40^ADT_A39")), Ok(Event::Merge));
    assert_eq!(event(&h("ORM^O01")), Ok(Event::Order));
    assert_eq!(event(&h("OMI^O23")), Ok(Event::Order));
    assert_eq!(
        event(&h("ADT^A03")).map_err(|i| i.code),
        Err(ErrCode::UnsupportedEventCode)
    );
    assert_eq!(
        event(&h("ORU^R01")).map_err(|i| i.code),
        Err(ErrCode::UnsupportedMessageType)
    );
}

#[test]
fn orm_order_of_a_v23_ris() {
    let m = msg(ORM);
    let o = read_orders(&m).expect("orders");
    let p = o.patient.expect("pid");
    assert_eq!(p.input.mrn, "0012345");
    assert_eq!(p.input.family_name, "CÔTÉ");
    assert_eq!(p.input.language, Language::Fr);
    assert_eq!(p.input.ramq, "", "PID-19 is not read as RAMQ");
    assert_eq!(o.orders.len(), 1);
    let r = &o.orders[0];
    assert_eq!(r.control, OrderControl::New);
    assert_eq!((r.placer.as_str(), r.filler.as_str()), ("PLC100", "FIL200"));
    assert_eq!(r.accession.as_ref().map(|a| a.as_str()), Some("ACC-0001"));
    assert_eq!(r.procedure_code, "CT-HEAD");
    assert_eq!(r.priority, Priority::Stat);
    assert_eq!(
        r.scheduled.map(|s| s.to_string()),
        Some("2026-12-07 14:30".into())
    );
    assert_eq!(r.reason, "Céphalées intenses");
    let doc = r.physician.clone().expect("physician");
    assert_eq!(
        (doc.licence.as_str(), doc.family.as_str()),
        ("98765", "GAGNON")
    );
    assert_eq!(r.study_uid.as_deref(), Some("1.2.826.0.1.3680043.8.498.1"));
    assert_eq!(r.requested_procedure_id, "RP0001");
    assert_eq!(r.sps_id, "SPS0001");
    assert_eq!(r.modality.as_ref().map(|m| m.as_str()), Some("CT"));
    assert_eq!(r.admission_id, "V7788");
    assert_eq!(r.order_status, Some(OrderStatus::Scheduled));
}

#[test]
fn omi_order_with_tq1_and_ipc() {
    let m = msg(
        "MSH|^~\\&|RIS|CLIN|PAS|PAS|20261207||OMI^O23^OMI_O23|OMI1|P|2.5.1
PID|1||555^^^CLIN^MR~LAVM90101512^^^RAMQ^JHN||LAVOIE^Marc||19900115|M
ORC|NW|P1|F1
TQ1|1||||||202612081000||A
OBR|1|P1|F1|MR-KNEE^IRM genou
IPC|A-77|RP77|1.2.3.4|SPS77|MR||||MR01
ORC|NW|P2|F2
TQ1|1||||||202612081100
OBR|2|P2|F2|US-ABD^Écho abdo
IPC|A-78|RP78|1.2.3.5|SPS78|US",
    );
    let o = read_orders(&m).expect("orders");
    let p = o.patient.expect("pid");
    assert_eq!(p.input.ramq, "LAVM90101512");
    assert_eq!(p.ramq_loc, Some(Loc::new("PID", 1, 3).rep(2)));
    assert_eq!(o.orders.len(), 2);
    let (a, b) = (&o.orders[0], &o.orders[1]);
    assert_eq!(a.priority, Priority::Urgent);
    assert_eq!(a.accession.as_ref().map(|x| x.as_str()), Some("A-77"));
    assert_eq!(a.station_ae.as_ref().map(|x| x.as_str()), Some("MR01"));
    assert_eq!(a.study_uid.as_deref(), Some("1.2.3.4"));
    assert_eq!((b.orc_seq, b.obr_seq), (2, 2));
    assert_eq!(b.priority, Priority::Routine);
    assert_eq!(b.scheduled.map(|s| s.minute), Some(11 * 60));
    assert_eq!(b.modality.as_ref().map(|x| x.as_str()), Some("US"));
}

#[test]
fn order_faults_name_their_field() {
    let bad =
        |from: &str, to: &str| read_orders(&msg(&ORM.replace(from, to))).expect_err("refused");
    let e = bad("|^^^20261207143000^^S|", "|^^^20261207143000^^Q|");
    assert_eq!(e.loc, Some(Loc::new("ORC", 1, 7).rep(1).comp(6)));
    let e = bad("ACC-0001", "ACC-0001-TOO-LONG-FOR-SH");
    assert_eq!(e.loc, Some(Loc::new("OBR", 1, 18).rep(1).comp(1)));
    let e = bad("ORC|NW|", "ORC|ZZ|");
    assert_eq!(
        (e.code, e.loc),
        (ErrCode::TableValueNotFound, Some(Loc::new("ORC", 1, 1)))
    );
    let e = bad("ZDS|1.2.826", "ZDS|x.2.826");
    assert_eq!(e.code, ErrCode::DataTypeError);
    let e = bad("|^^^20261207143000^^S|", "|^^^2026120725^^S|");
    assert_eq!(e.loc, Some(Loc::new("ORC", 1, 7).rep(1).comp(4)));
    let e =
        read_orders(&msg("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.3\nPID|1||9")).expect_err("no ORC");
    assert_eq!(e.code, ErrCode::SegmentSequence);
    let e =
        read_orders(&msg("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.3\nORC|NW|1")).expect_err("no OBR");
    assert_eq!(e.loc, Some(Loc::new("OBR", 1, 0)));
}

#[test]
fn order_without_pid() {
    let m = msg("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.3\nORC|CA|PLC100\nOBR|1|PLC100||CT-HEAD");
    let o = read_orders(&m).expect("orders");
    assert!(o.patient.is_none());
    assert_eq!(o.orders[0].control, OrderControl::Cancel);
}

#[test]
fn adt_patient_fields() {
    let m = msg("MSH|^~\\&|ADT|CLIN|PAS|PAS|20261207||ADT^A04|A1|P|2.4
PID|1|TREM 8551 1512|0012345^^^CLIN^MR||TREMBLAY^Marie^^^^^B~TREMBLAY^Marie-Ève^^^^^L||19850115|F|||1 rue Principale^app. 2^Laval^QC^H7N 1A1^CAN||(450)555-0199^PRN^PH~^NET^Internet^marie@example.ca||ENG");
    let p = read_pid(&m, 1).expect("pid");
    assert_eq!(p.input.given_name, "Marie-Ève", "legal name preferred");
    assert_eq!(p.input.ramq, "TREM 8551 1512");
    assert_eq!(p.ramq_loc, Some(Loc::new("PID", 1, 2)));
    assert_eq!(
        p.input.address,
        "1 rue Principale, app. 2, Laval, QC H7N 1A1, CAN"
    );
    assert_eq!(p.input.phone, "(450)555-0199");
    assert_eq!(p.input.email, "marie@example.ca");
    assert_eq!(p.input.language, Language::En);
    let e =
        crate::registry::FieldError::new(FieldName::BirthDate, crate::registry::Problem::BadDate);
    assert_eq!(
        p.issue(&e, ErrCode::DataTypeError).loc,
        Some(Loc::new("PID", 1, 7))
    );
    let none = read_pid(
        &msg("MSH|^~\\&|A|B|C|D|1||ADT^A04|1|P|2.4\nPID|1||^^^CLIN^MR||X^Y"),
        1,
    );
    assert_eq!(none.map_err(|i| i.code), Err(ErrCode::RequiredFieldMissing));
}

#[test]
fn merges() {
    let m = msg(
        "MSH|^~\\&|ADT|CLIN|PAS|PAS|20261207||ADT^A40^ADT_A39|M1|P|2.5
PID|1||0012345^^^CLIN^MR||TREMBLAY^Marie
MRG|0099999^^^CLIN^MR",
    );
    let merges = read_merges(&m).expect("merge");
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].prior_mrn, "0099999");
    assert_eq!(merges[0].surviving.input.mrn, "0012345");
    let no_mrg = msg("MSH|^~\\&|ADT|CLIN|PAS|PAS|20261207||ADT^A40|M1|P|2.5\nPID|1||1^^^C^MR||X");
    assert!(read_merges(&no_mrg).is_err());
}
