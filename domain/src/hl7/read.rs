//! Reading the messages Passerelle accepts into the registry's inputs, with the location of
//! every value so a refusal names its field (ERR-2):
//! - ADT^A01/A04/A05 (register), A08/A31 (update): PID (HL7 v2.5.1 ch. 3.4.2, 3.4.8);
//! - ADT^A40 (merge): PID + MRG (ch. 3.6.2);
//! - ORM^O01 (v2.3–2.4, ch. 4.4.1) and OMI^O23 (v2.5, ch. 4.4.10): PID, PV1, then per order
//!   ORC, TQ1, OBR, IPC (OMI) or ZDS (IHE Radiology, Study Instance UID).

use super::ack::{Header, Issue};
use super::message::{Message, Segment};
use super::{ErrCode, Loc};
use crate::AeTitle;
use crate::orders::{AccessionNumber, OrderStatus, Priority};
use crate::registry::{
    COMMON_MODALITIES, FieldError, FieldName, Language, LocalDateTime, Modality, PatientInput, Sex,
};

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Register,
    Update,
    Merge,
    Order,
}

/// The event of a message, or why it is not one Passerelle takes (answered AR).
pub fn event(h: &Header) -> Result<Event, Issue> {
    let loc = Some(Loc::new("MSH", 1, 9));
    let t = h.trigger.as_str();
    match h.message_type.as_str() {
        "ADT" => match t {
            "A01" | "A04" | "A05" => Ok(Event::Register),
            "A08" | "A31" => Ok(Event::Update),
            "A40" => Ok(Event::Merge),
            _ => Err(Issue::error(
                ErrCode::UnsupportedEventCode,
                loc.map(|l| l.comp(2)),
                format!("ADT^{t} is not supported (A04, A08, A40)"),
            )),
        },
        "ORM" | "OMI" => match (h.message_type.as_str(), t) {
            ("ORM", "O01") | ("OMI", "O23") => Ok(Event::Order),
            _ => Err(Issue::error(
                ErrCode::UnsupportedEventCode,
                loc.map(|l| l.comp(2)),
                format!("{} is not supported (ORM^O01, OMI^O23)", h.kind()),
            )),
        },
        other => Err(Issue::error(
            ErrCode::UnsupportedMessageType,
            loc,
            format!("message type {other:?} is not supported (ADT, ORM, OMI)"),
        )),
    }
}

/// A PID read into a patient form, with where each value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidRead {
    pub input: PatientInput,
    pub seq: u16,
    /// Where the RAMQ number was found (PID-3 repetition, or PID-2).
    pub ramq_loc: Option<Loc>,
    /// The PID-3 repetition of the record number.
    pub mrn_rep: u16,
}

impl PidRead {
    /// The issue for a validation error of this PID's values.
    pub fn issue(&self, e: &FieldError, code: ErrCode) -> Issue {
        let l = |f: u16| Loc::new("PID", self.seq, f);
        let loc = match e.field {
            FieldName::Mrn => l(3).rep(self.mrn_rep),
            FieldName::FamilyName | FieldName::GivenName => l(5),
            FieldName::BirthDate => l(7),
            FieldName::Sex => l(8),
            FieldName::Address => l(11),
            FieldName::Phone | FieldName::Email => l(13),
            FieldName::Language => l(15),
            FieldName::Ramq => self.ramq_loc.clone().unwrap_or_else(|| l(3)),
            _ => l(0),
        };
        Issue::error(code, Some(loc), e.to_string())
    }

    pub fn mrn_loc(&self) -> Loc {
        Loc::new("PID", self.seq, 3).rep(self.mrn_rep)
    }
}

fn is_ramq_id(seg: &Segment, m: &Message, rep: u16) -> bool {
    let kind = seg.value(m, 3, rep, 5, 1).to_ascii_uppercase();
    let auth = seg.value(m, 3, rep, 4, 1).to_ascii_uppercase();
    matches!(kind.as_str(), "JHN" | "HC" | "NH") || matches!(auth.as_str(), "RAMQ" | "QC")
}

/// PID-3: the repetition typed MR (else the first that is not the health number), and the
/// RAMQ number (a repetition typed JHN / HC or assigned by RAMQ, else PID-2).
fn identifiers(seg: &Segment, m: &Message, seq: u16) -> (String, u16, String, Option<Loc>) {
    let n = u16::try_from(seg.repetitions(m, 3).len()).unwrap_or(1);
    let reps = 1..=n;
    let typed = |want: &str| {
        reps.clone()
            .find(|r| seg.value(m, 3, *r, 5, 1).eq_ignore_ascii_case(want))
    };
    let mrn_rep = typed("MR")
        .or_else(|| reps.clone().find(|r| !is_ramq_id(seg, m, *r)))
        .unwrap_or(1);
    let mrn = seg.value(m, 3, mrn_rep, 1, 1);
    let ramq_rep = reps.clone().find(|r| is_ramq_id(seg, m, *r));
    let (ramq, loc) = match ramq_rep {
        Some(r) => (
            seg.value(m, 3, r, 1, 1),
            Some(Loc::new("PID", seq, 3).rep(r)),
        ),
        None => {
            let p2 = seg.comp(m, 2, 1);
            let loc = (!p2.is_empty()).then(|| Loc::new("PID", seq, 2));
            (p2, loc)
        }
    };
    (mrn, mrn_rep, ramq, loc)
}

/// PID-5: the legal name (type L) if given, else the first.
fn name(seg: &Segment, m: &Message) -> (String, String) {
    let n = u16::try_from(seg.repetitions(m, 5).len()).unwrap_or(1);
    let rep = (1..=n)
        .find(|r| seg.value(m, 5, *r, 7, 1).eq_ignore_ascii_case("L"))
        .unwrap_or(1);
    (seg.value(m, 5, rep, 1, 1), seg.value(m, 5, rep, 2, 1))
}

/// PID-11 (XAD) as one line: street, other, city, province postal code, country.
fn address(seg: &Segment, m: &Message) -> String {
    let c = |i| seg.value(m, 11, 1, i, 1);
    let region = [c(4), c(5)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    [c(1), c(2), c(3), region, c(6)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// PID-13 (XTN): the first phone number and the first email address.
fn contacts(seg: &Segment, m: &Message) -> (String, String) {
    let (mut phone, mut email) = (String::new(), String::new());
    let n = u16::try_from(seg.repetitions(m, 13).len()).unwrap_or(1);
    for r in 1..=n {
        let v = |c| seg.value(m, 13, r, c, 1);
        let is_email = v(2).eq_ignore_ascii_case("NET") || v(3).eq_ignore_ascii_case("Internet");
        if is_email {
            if email.is_empty() {
                email = if v(4).is_empty() { v(1) } else { v(4) };
            }
        } else if phone.is_empty() {
            phone = if !v(1).is_empty() {
                v(1)
            } else if !v(7).is_empty() {
                format!("{}{}", v(6), v(7))
            } else {
                String::new()
            };
        }
    }
    (phone, email)
}

/// The `seq`-th PID as a patient form (clinic left 0). `Err` when it has no record number.
pub fn read_pid(m: &Message, seq: u16) -> Result<PidRead, Issue> {
    let Some(seg) = m.segment_nth("PID", usize::from(seq)) else {
        return Err(Issue::error(
            ErrCode::SegmentSequence,
            Some(Loc::new("PID", seq, 0)),
            "the message has no PID segment",
        ));
    };
    let (mrn, mrn_rep, ramq, ramq_loc) = identifiers(seg, m, seq);
    if mrn.is_empty() {
        return Err(Issue::error(
            ErrCode::RequiredFieldMissing,
            Some(Loc::new("PID", seq, 3)),
            "PID-3 has no medical record number",
        ));
    }
    let (family_name, given_name) = name(seg, m);
    let (phone, email) = contacts(seg, m);
    let birth = seg.comp(m, 7, 1);
    let input = PatientInput {
        clinic: 0,
        mrn,
        family_name,
        given_name,
        birth_date: birth.chars().take(8).collect(),
        sex: Sex::from_code(&seg.comp(m, 8, 1)),
        language: Language::from_code(&seg.comp(m, 15, 1)).unwrap_or_default(),
        phone,
        email,
        address: address(seg, m),
        ramq,
        // A RAMQ disagreement from a RIS is applied and reported as a warning in the ACK.
        confirm_warnings: true,
    };
    Ok(PidRead {
        input,
        seq,
        ramq_loc,
        mrn_rep,
    })
}

/// One merge of an ADT^A40: the surviving patient (PID) and the prior record number (MRG-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRead {
    pub surviving: PidRead,
    pub prior_mrn: String,
    pub mrg_seq: u16,
}

/// The PID/MRG pairs of an ADT^A40, in order.
pub fn read_merges(m: &Message) -> Result<Vec<MergeRead>, Issue> {
    let pids = m.segments.iter().filter(|s| s.id == "PID").count();
    let mrgs = m.segments.iter().filter(|s| s.id == "MRG").count();
    if pids == 0 || mrgs != pids {
        return Err(Issue::error(
            ErrCode::SegmentSequence,
            Some(Loc::new("MRG", 1, 0)),
            "ADT^A40 needs one MRG after each PID",
        ));
    }
    (1..=u16::try_from(pids).unwrap_or(1))
        .map(|i| {
            let surviving = read_pid(m, i)?;
            let mrg = m.segment_nth("MRG", usize::from(i));
            let prior = mrg.map(|s| s.value(m, 1, 1, 1, 1)).unwrap_or_default();
            if prior.is_empty() {
                return Err(Issue::error(
                    ErrCode::RequiredFieldMissing,
                    Some(Loc::new("MRG", i, 1)),
                    "MRG-1 has no prior patient identifier",
                ));
            }
            Ok(MergeRead {
                surviving,
                prior_mrn: prior,
                mrg_seq: i,
            })
        })
        .collect()
}

/// ORC-1, order control (table 0119).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderControl {
    New,
    Change,
    Cancel,
    /// SC: status changed, to ORC-5's value.
    Status,
    Discontinue,
}

/// A referring (ordering) physician as an XCN: licence and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicianRef {
    pub licence: String,
    pub family: String,
    pub given: String,
    pub loc: Loc,
}

/// One order of an ORM^O01 or OMI^O23.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRead {
    pub orc_seq: u16,
    pub obr_seq: u16,
    pub control: OrderControl,
    pub placer: String,
    pub filler: String,
    pub accession: Option<AccessionNumber>,
    pub procedure_code: String,
    pub procedure_text: String,
    pub priority: Priority,
    pub scheduled: Option<LocalDateTime>,
    pub reason: String,
    pub physician: Option<PhysicianRef>,
    pub study_uid: Option<String>,
    pub requested_procedure_id: String,
    pub sps_id: String,
    pub modality: Option<Modality>,
    pub station_ae: Option<AeTitle>,
    pub admission_id: String,
    /// ORC-5, for SC.
    pub order_status: Option<OrderStatus>,
}

impl OrderRead {
    pub fn loc(&self, segment: &str, field: u16) -> Loc {
        match segment {
            "ORC" => Loc::new("ORC", self.orc_seq, field),
            _ => Loc::new(segment, self.obr_seq, field),
        }
    }
}

/// Everything an order message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMessage {
    pub patient: Option<PidRead>,
    pub orders: Vec<OrderRead>,
}

fn bad_value(code: ErrCode, loc: Loc, what: String) -> Issue {
    Issue::error(code, Some(loc), what)
}

/// The segments of order group `k` (the ORC and what follows it up to the next ORC).
fn groups(m: &Message) -> Vec<Vec<(usize, &Segment)>> {
    let mut out: Vec<Vec<(usize, &Segment)>> = Vec::new();
    let mut counts = std::collections::HashMap::<&str, usize>::new();
    for s in &m.segments {
        let n = counts.entry(s.id.as_str()).or_default();
        *n += 1;
        if s.id == "ORC" {
            out.push(Vec::new());
        }
        if let Some(g) = out.last_mut() {
            g.push((*n, s));
        }
    }
    out
}

fn seg_in<'a>(g: &[(usize, &'a Segment)], id: &str) -> Option<(u16, &'a Segment)> {
    g.iter()
        .find(|(_, s)| s.id == id)
        .map(|(n, s)| (u16::try_from(*n).unwrap_or(1), *s))
}

/// ORC-1.
fn control(m: &Message, orc: &Segment, seq: u16) -> Result<OrderControl, Issue> {
    match orc.comp(m, 1, 1).to_ascii_uppercase().as_str() {
        "NW" => Ok(OrderControl::New),
        "XO" => Ok(OrderControl::Change),
        "CA" => Ok(OrderControl::Cancel),
        "SC" => Ok(OrderControl::Status),
        "DC" => Ok(OrderControl::Discontinue),
        other => Err(bad_value(
            ErrCode::TableValueNotFound,
            Loc::new("ORC", seq, 1),
            format!("ORC-1 order control {other:?} is not supported (NW, XO, CA, SC, DC)"),
        )),
    }
}

/// The first non-empty of several locations.
fn first_of(m: &Message, locs: &[Loc]) -> Option<(String, Loc)> {
    locs.iter()
        .map(|l| (m.value(l), l.clone()))
        .find(|(v, _)| !v.is_empty())
}

fn xcn(m: &Message, loc: &Loc) -> Option<PhysicianRef> {
    let part = |c| m.value(&loc.clone().rep(1).comp(c));
    let licence = part(1);
    let family = part(2);
    (!licence.is_empty() || !family.is_empty()).then(|| PhysicianRef {
        licence,
        family,
        given: part(3),
        loc: loc.clone(),
    })
}

struct Places {
    orc: u16,
    obr: u16,
    tq1: Option<u16>,
    ipc: Option<u16>,
    zds: Option<u16>,
}

impl Places {
    fn at(&self, seg: &str, field: u16) -> Option<Loc> {
        let seq = match seg {
            "ORC" => Some(self.orc),
            "OBR" => Some(self.obr),
            "TQ1" => self.tq1,
            "IPC" => self.ipc,
            "ZDS" => self.zds,
            _ => Some(1),
        }?;
        Some(Loc::new(seg, seq, field))
    }

    fn all(&self, spec: &[(&str, u16, u16)]) -> Vec<Loc> {
        spec.iter()
            .filter_map(|(s, f, c)| self.at(s, *f).map(|l| l.rep(1).comp(*c)))
            .collect()
    }
}

fn priority(m: &Message, p: &Places) -> Result<Priority, Issue> {
    let locs = p.all(&[("TQ1", 9, 1), ("ORC", 7, 6), ("OBR", 27, 6), ("OBR", 5, 1)]);
    match first_of(m, &locs) {
        None => Ok(Priority::Routine),
        Some((v, loc)) => Priority::from_hl7(&v).ok_or_else(|| {
            bad_value(
                ErrCode::TableValueNotFound,
                loc,
                format!("priority {v:?} is not known (S, A, R)"),
            )
        }),
    }
}

fn scheduled(m: &Message, p: &Places) -> Result<Option<LocalDateTime>, Issue> {
    let locs = p.all(&[
        ("TQ1", 7, 1),
        ("ORC", 7, 4),
        ("OBR", 27, 4),
        ("OBR", 36, 1),
        ("OBR", 6, 1),
        ("OBR", 7, 1),
    ]);
    match first_of(m, &locs) {
        None => Ok(None),
        Some((v, loc)) => LocalDateTime::parse(FieldName::ScheduledAt, &v)
            .map(Some)
            .map_err(|e| bad_value(ErrCode::DataTypeError, loc, format!("{v:?}: {e}"))),
    }
}

fn accession(m: &Message, p: &Places) -> Result<Option<AccessionNumber>, Issue> {
    match first_of(m, &p.all(&[("IPC", 1, 1), ("OBR", 18, 1)])) {
        None => Ok(None),
        Some((v, loc)) => AccessionNumber::parse(&v)
            .map(Some)
            .map_err(|e| bad_value(ErrCode::DataTypeError, loc, e.to_string())),
    }
}

fn study_uid(m: &Message, p: &Places) -> Result<Option<String>, Issue> {
    match first_of(m, &p.all(&[("IPC", 3, 1), ("ZDS", 1, 1)])) {
        None => Ok(None),
        Some((v, loc)) if crate::query::is_uid(&v) => {
            let _ = loc;
            Ok(Some(v))
        }
        Some((v, loc)) => Err(bad_value(
            ErrCode::DataTypeError,
            loc,
            format!("{v:?} is not a valid Study Instance UID"),
        )),
    }
}

fn station(m: &Message, p: &Places) -> Result<(Option<Modality>, Option<AeTitle>), Issue> {
    let modality = first_of(m, &p.all(&[("IPC", 5, 1), ("OBR", 24, 1)]))
        .and_then(|(v, _)| Modality::parse(&v).ok())
        .filter(|md| COMMON_MODALITIES.contains(&md.as_str()));
    let ae = match p
        .at("IPC", 9)
        .map(|l| (m.value(&l.clone().rep(1).comp(1)), l))
    {
        Some((v, l)) if !v.is_empty() => Some(AeTitle::parse(&v).map_err(|e| {
            bad_value(
                ErrCode::DataTypeError,
                l,
                format!("scheduled station AE title: {e}"),
            )
        })?),
        _ => None,
    };
    Ok((modality, ae))
}

fn read_group(
    m: &Message,
    g: &[(usize, &Segment)],
    admission_id: &str,
) -> Result<OrderRead, Issue> {
    let (orc_seq, orc) = seg_in(g, "ORC").ok_or_else(|| {
        Issue::error(
            ErrCode::SegmentSequence,
            Some(Loc::new("ORC", 1, 0)),
            "ORC expected",
        )
    })?;
    let (obr_seq, obr) = seg_in(g, "OBR").ok_or_else(|| {
        Issue::error(
            ErrCode::SegmentSequence,
            Some(Loc::new("OBR", 1, 0)),
            format!("ORC {orc_seq} is not followed by an OBR"),
        )
    })?;
    let p = Places {
        orc: orc_seq,
        obr: obr_seq,
        tq1: seg_in(g, "TQ1").map(|x| x.0),
        ipc: seg_in(g, "IPC").map(|x| x.0),
        zds: seg_in(g, "ZDS").map(|x| x.0),
    };
    let control = control(m, orc, orc_seq)?;
    let text = |loc: &[(&str, u16, u16)]| first_of(m, &p.all(loc)).map(|x| x.0).unwrap_or_default();
    let (modality, station_ae) = station(m, &p)?;
    let physician = [("ORC", 12), ("OBR", 16), ("PV1", 8)]
        .iter()
        .filter_map(|(s, f)| p.at(s, *f))
        .find_map(|l| xcn(m, &l));
    let order_status = match orc.comp(m, 5, 1) {
        s if s.is_empty() => None,
        s => Some(OrderStatus::from_hl7(&s).ok_or_else(|| {
            bad_value(
                ErrCode::TableValueNotFound,
                Loc::new("ORC", orc_seq, 5),
                format!("ORC-5 order status {s:?} is not supported (SC, IP, CM, CA, DC)"),
            )
        })?),
    };
    Ok(OrderRead {
        orc_seq,
        obr_seq,
        control,
        placer: text(&[("ORC", 2, 1), ("OBR", 2, 1)]),
        filler: text(&[("ORC", 3, 1), ("OBR", 3, 1)]),
        accession: accession(m, &p)?,
        procedure_code: obr.comp(m, 4, 1),
        procedure_text: obr.comp(m, 4, 2),
        priority: priority(m, &p)?,
        scheduled: scheduled(m, &p)?,
        reason: text(&[("OBR", 31, 2), ("OBR", 31, 1), ("OBR", 13, 1)]),
        physician,
        study_uid: study_uid(m, &p)?,
        requested_procedure_id: text(&[("IPC", 2, 1), ("OBR", 19, 1)]),
        sps_id: text(&[("IPC", 4, 1), ("OBR", 20, 1)]),
        modality,
        station_ae,
        admission_id: admission_id.to_owned(),
        order_status,
    })
}

/// The patient and orders of an ORM^O01 / OMI^O23.
pub fn read_orders(m: &Message) -> Result<OrderMessage, Issue> {
    let patient = m.first("PID").map(|_| read_pid(m, 1)).transpose()?;
    let admission_id = m.value(&Loc::new("PV1", 1, 19).rep(1).comp(1));
    let gs = groups(m);
    if gs.is_empty() {
        return Err(Issue::error(
            ErrCode::SegmentSequence,
            Some(Loc::new("ORC", 1, 0)),
            "the message has no ORC segment",
        ));
    }
    let orders = gs
        .iter()
        .map(|g| read_group(m, g, &admission_id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OrderMessage { patient, orders })
}

#[cfg(test)]
mod tests;
