//! Reading order messages: ORM^O01 (v2.3–2.4, HL7 v2.5.1 ch. 4.4.1) and OMI^O23 (v2.5,
//! ch. 4.4.10): PID, PV1, then per order ORC, TQ1, OBR, IPC (OMI) or ZDS (IHE Radiology,
//! Study Instance UID), each value with its location for ERR-2.

use super::super::ack::Issue;
use super::super::message::{Message, Segment};
use super::super::{ErrCode, Loc};
use super::{PidRead, read_pid};
use crate::AeTitle;
use crate::orders::{AccessionNumber, OrderStatus, Priority};
use crate::registry::{COMMON_MODALITIES, FieldName, LocalDateTime, Modality};

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
