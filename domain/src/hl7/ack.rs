//! Acknowledgments in original mode (HL7 v2.5.1 ch. 2.9.2): an ACK whose MSA-1 is AA (applied),
//! AE (application error: the content is wrong, the sender must fix it) or AR (rejected: the
//! message cannot be processed), with one ERR segment per issue. ERR uses ERR-2..ERR-8 from
//! v2.5 on and ERR-1 (ELD) before.

use super::escape::encode;
use super::message::{Message, Separators};
use super::{ErrCode, Hl7Error, Loc, VERSIONS};
use serde::{Deserialize, Serialize};

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckCode {
    AA,
    AE,
    AR,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::AA => "AA",
            AckCode::AE => "AE",
            AckCode::AR => "AR",
        }
    }
}

/// ERR-4 severity (table 0516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing to say about a message in its ACK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub code: ErrCode,
    pub loc: Option<Loc>,
    pub text: String,
}

impl Issue {
    pub fn error(code: ErrCode, loc: Option<Loc>, text: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            loc,
            text: text.into(),
        }
    }

    pub fn warning(code: ErrCode, loc: Option<Loc>, text: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, loc, text)
        }
    }
}

impl From<&Hl7Error> for Issue {
    fn from(e: &Hl7Error) -> Self {
        Issue::error(e.code(), Some(e.location()), e.to_string())
    }
}

/// What an answer needs from the message's MSH (raw fields are echoed as received).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    pub separators: Separators,
    /// MSH-3 … MSH-6 as received (escaped, components kept).
    pub raw_sending_app: String,
    pub raw_sending_facility: String,
    pub raw_receiving_app: String,
    pub raw_receiving_facility: String,
    /// MSH-4 and MSH-6 namespace IDs (first component, else the universal ID), decoded.
    pub sending_app: String,
    pub sending_facility: String,
    pub receiving_facility: String,
    pub message_type: String,
    pub trigger: String,
    pub structure: String,
    pub control_id: String,
    pub processing_id: String,
    pub version: String,
    /// MSH-18 as received.
    pub charset: String,
}

fn hd_name(m: &Message, n: u16) -> String {
    let msh = m.msh();
    let ns = msh.comp(m, n, 1);
    if ns.is_empty() { msh.comp(m, n, 2) } else { ns }
}

impl Header {
    pub fn read(m: &Message) -> Self {
        let msh = m.msh();
        Self {
            separators: m.separators,
            raw_sending_app: msh.raw(3).to_owned(),
            raw_sending_facility: msh.raw(4).to_owned(),
            raw_receiving_app: msh.raw(5).to_owned(),
            raw_receiving_facility: msh.raw(6).to_owned(),
            sending_app: hd_name(m, 3),
            sending_facility: hd_name(m, 4),
            receiving_facility: hd_name(m, 6),
            message_type: msh.comp(m, 9, 1).to_ascii_uppercase(),
            trigger: msh.comp(m, 9, 2).to_ascii_uppercase(),
            structure: msh.comp(m, 9, 3).to_ascii_uppercase(),
            control_id: msh.comp(m, 10, 0),
            processing_id: msh.comp(m, 11, 1),
            version: msh.comp(m, 12, 1),
            charset: msh.raw(18).to_owned(),
        }
    }

    /// What can be read of the MSH of a message that could not be parsed whole (too large,
    /// truncated): its first line, if it is an MSH.
    pub fn from_head(text: &str) -> Option<Self> {
        let first = text.split(['\r', '\n']).next()?;
        Message::parse(first).ok().map(|m| Self::read(&m))
    }

    /// MSH-9 as `ADT^A04`.
    pub fn kind(&self) -> String {
        if self.trigger.is_empty() {
            self.message_type.clone()
        } else {
            format!("{}^{}", self.message_type, self.trigger)
        }
    }

    /// Required MSH fields, version (2.3 – 2.5.1) and processing ID (P or D).
    pub fn check(&self) -> Result<(), Issue> {
        let missing = |field: u16, what: &str| {
            Err(Issue::error(
                ErrCode::RequiredFieldMissing,
                Some(Loc::new("MSH", 1, field)),
                format!("MSH-{field} ({what}) is required"),
            ))
        };
        if self.message_type.is_empty() {
            return missing(9, "message type");
        }
        if self.control_id.is_empty() {
            return missing(10, "message control ID");
        }
        if self.control_id.chars().count() > 199 {
            return Err(Issue::error(
                ErrCode::DataTypeError,
                Some(Loc::new("MSH", 1, 10)),
                "MSH-10 is longer than 199 characters",
            ));
        }
        if self.version.is_empty() {
            return missing(12, "version ID");
        }
        if !VERSIONS.contains(&self.version.as_str()) {
            return Err(Issue::error(
                ErrCode::UnsupportedVersionId,
                Some(Loc::new("MSH", 1, 12)),
                format!("version {:?} is not supported (2.3 to 2.5.1)", self.version),
            ));
        }
        if !matches!(self.processing_id.as_str(), "P" | "D") {
            return Err(Issue::error(
                ErrCode::UnsupportedProcessingId,
                Some(Loc::new("MSH", 1, 11)),
                format!(
                    "processing ID {:?} is not accepted (P or D)",
                    self.processing_id
                ),
            ));
        }
        Ok(())
    }

    fn modern_err(&self) -> bool {
        self.version.starts_with("2.5")
    }
}

fn erl(loc: &Loc) -> String {
    let mut parts = vec![loc.segment.clone(), loc.seq.max(1).to_string()];
    for n in [loc.field, loc.rep, loc.comp, loc.sub] {
        if n == 0 {
            break;
        }
        parts.push(n.to_string());
    }
    parts.join("^")
}

fn err_segment(h: &Header, i: &Issue) -> String {
    let s = &h.separators;
    let f = s.field;
    let text = encode(&i.text, s);
    let code = i.code;
    if h.modern_err() {
        let sev = match i.severity {
            Severity::Error => "E",
            Severity::Warning => "W",
        };
        let loc = i.loc.as_ref().map(erl).unwrap_or_default();
        let loc = loc.replace('^', &s.component.to_string());
        let c = s.component;
        format!(
            "ERR{f}{f}{loc}{f}{}{c}{}{c}HL70357{f}{sev}{f}{f}{f}{f}{text}",
            code.code(),
            code.text()
        )
    } else {
        let (c, sub) = (s.component, s.subcomponent);
        let loc = i.loc.clone().unwrap_or_else(|| Loc::new("MSH", 1, 0));
        format!(
            "ERR{f}{}{c}{}{c}{}{c}{}{sub}{}{sub}HL70357",
            loc.segment,
            loc.seq.max(1),
            loc.field,
            code.code(),
            encode(&i.text, s).replace(sub, " ")
        )
    }
}

/// The ACK of the message described by `h` (segments separated by CR, no framing).
/// `control_id` is the ACK's own MSH-10; `now` its MSH-7 (`YYYYMMDDHHMMSS±ZZZZ`).
pub fn build_ack(
    h: &Header,
    code: AckCode,
    issues: &[Issue],
    control_id: &str,
    now: &str,
) -> String {
    let s = &h.separators;
    let f = s.field;
    let app = if h.raw_receiving_app.is_empty() {
        "PASSERELLE"
    } else {
        h.raw_receiving_app.as_str()
    };
    let version = if VERSIONS.contains(&h.version.as_str()) {
        h.version.as_str()
    } else {
        "2.5.1"
    };
    let kind = if version.starts_with("2.3") || h.trigger.is_empty() {
        format!("ACK{}{}", s.component, h.trigger)
    } else {
        format!("ACK{c}{}{c}ACK", h.trigger, c = s.component)
    };
    let kind = kind.trim_end_matches(s.component);
    let processing = if h.processing_id.is_empty() {
        "P"
    } else {
        &h.processing_id
    };
    let msh = format!(
        "MSH{f}{}{f}{app}{f}{}{f}{}{f}{}{f}{now}{f}{f}{kind}{f}{}{f}{processing}{f}{version}{f}{f}{f}{f}{f}{f}{}",
        s.encoding_characters(),
        h.raw_receiving_facility,
        h.raw_sending_app,
        h.raw_sending_facility,
        encode(control_id, s),
        h.charset,
    );
    let msh = msh.trim_end_matches(f).to_owned();
    let summary = issues
        .iter()
        .find(|i| i.severity == Severity::Error)
        .map(|i| encode(&i.text, s))
        .unwrap_or_default();
    let mut msa = format!("MSA{f}{}{f}{}", code.as_str(), encode(&h.control_id, s));
    if !summary.is_empty() {
        msa.push(f);
        msa.push_str(&summary.chars().take(80).collect::<String>());
    }
    let mut out = vec![msh, msa];
    out.extend(issues.iter().map(|i| err_segment(h, i)));
    let mut text = out.join("\r");
    text.push('\r');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: &str) -> Header {
        let text = format!(
            "MSH|^~\\&|RIS|CLIN^1.2.3^ISO|PASSERELLE|PAS|20261207||ORM^O01^ORM_O01|C42|P|{version}|||||CAN|8859/1\r"
        );
        Header::read(&Message::parse(&text).expect("msh"))
    }

    #[test]
    fn reads_the_header() {
        let h = header("2.5.1");
        assert_eq!(h.sending_facility, "CLIN");
        assert_eq!(h.kind(), "ORM^O01");
        assert_eq!(h.control_id, "C42");
        assert!(h.check().is_ok());
        assert_eq!(
            header("2.6").check().map_err(|i| i.code),
            Err(ErrCode::UnsupportedVersionId)
        );
    }

    #[test]
    fn ack_accepted() {
        let ack = build_ack(
            &header("2.5.1"),
            AckCode::AA,
            &[],
            "PAS1",
            "20261207101500-0500",
        );
        assert_eq!(
            ack,
            "MSH|^~\\&|PASSERELLE|PAS|RIS|CLIN^1.2.3^ISO|20261207101500-0500||ACK^O01^ACK|PAS1|P|2.5.1||||||8859/1\rMSA|AA|C42\r"
        );
    }

    #[test]
    fn ack_error_names_the_field_in_both_styles() {
        let issue = Issue::error(
            ErrCode::DataTypeError,
            Some(Loc::new("PID", 1, 3).rep(2)),
            "bad RAMQ number: TREM|85",
        );
        let ack = build_ack(
            &header("2.5.1"),
            AckCode::AE,
            std::slice::from_ref(&issue),
            "A",
            "T",
        );
        let lines: Vec<&str> = ack.split('\r').collect();
        assert_eq!(lines[1], "MSA|AE|C42|bad RAMQ number: TREM\\F\\85");
        assert_eq!(
            lines[2],
            "ERR||PID^1^3^2|102^Data type error^HL70357|E||||bad RAMQ number: TREM\\F\\85"
        );
        let old = build_ack(&header("2.3"), AckCode::AE, &[issue], "A", "T");
        let lines: Vec<&str> = old.split('\r').collect();
        assert!(lines[0].contains("|ACK^O01|"));
        assert_eq!(
            lines[2],
            "ERR|PID^1^3^102&bad RAMQ number: TREM\\F\\85&HL70357"
        );
    }
}
