//! Reading the messages Passerelle accepts into the registry's inputs, with the location of
//! every value so a refusal names its field (ERR-2):
//! - ADT^A01/A04/A05 (register), A08/A31 (update): PID (HL7 v2.5.1 ch. 3.4.2, 3.4.8);
//! - ADT^A40 (merge): PID + MRG (ch. 3.6.2);
//! - ORM^O01 and OMI^O23: in `orders`.

use super::ack::{Header, Issue};
use super::message::{Message, Segment};
use super::{ErrCode, Loc};
use crate::registry::{FieldError, FieldName, Language, PatientInput, Sex};

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

mod orders;
pub use orders::{OrderControl, OrderMessage, OrderRead, PhysicianRef, read_orders};

#[cfg(test)]
mod tests;
