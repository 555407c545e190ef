//! HL7 v2 (versions 2.3 to 2.5.1) as Passerelle receives it from RIS and EMR systems: MLLP
//! framing, character sets (MSH-18), the message structure and escape sequences, acknowledgments
//! (ACK with MSA and ERR), and the reading of ADT^A04/A08/A40, ORM^O01 and OMI^O23 into the
//! registry's inputs. Pure: the server's `hl7` adapter does the networking and the database.

use serde::{Deserialize, Serialize};
use std::fmt;

pub mod ack;
pub mod charset;
pub mod escape;
pub mod message;
pub mod mllp;
pub mod read;
pub mod views;

pub use ack::{AckCode, Header, Issue, Severity, build_ack};
pub use charset::Charset;
pub use message::{Message, Segment, Separators};

/// The versions accepted (MSH-12).
pub const VERSIONS: [&str; 5] = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1"];

/// Why a message cannot be read at all (answered AR).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Hl7Error {
    #[error("the message does not start with an MSH segment")]
    NoMsh,
    #[error("MSH-1 field separator {0:?} is not usable")]
    FieldSeparator(char),
    #[error("MSH-2 encoding characters {0}")]
    EncodingCharacters(String),
    #[error("segment {index} has no valid segment ID ({id:?})")]
    SegmentId { index: usize, id: String },
    #[error("MSH-18 character set {0:?} is not supported (ASCII, 8859/1, UNICODE UTF-8)")]
    Charset(String),
    #[error("the message is declared UNICODE UTF-8 but is not valid UTF-8 (byte {0})")]
    NotUtf8(usize),
}

impl Hl7Error {
    /// Where the problem is, for ERR-2.
    pub fn location(&self) -> Loc {
        match self {
            Hl7Error::NoMsh => Loc::new("MSH", 1, 0),
            Hl7Error::FieldSeparator(_) => Loc::new("MSH", 1, 1),
            Hl7Error::EncodingCharacters(_) => Loc::new("MSH", 1, 2),
            Hl7Error::SegmentId { .. } => Loc::new("MSH", 1, 0),
            Hl7Error::Charset(_) | Hl7Error::NotUtf8(_) => Loc::new("MSH", 1, 18),
        }
    }

    /// The HL7 error code (table 0357).
    pub fn code(&self) -> ErrCode {
        match self {
            Hl7Error::Charset(_) => ErrCode::TableValueNotFound,
            Hl7Error::NotUtf8(_) => ErrCode::DataTypeError,
            _ => ErrCode::SegmentSequence,
        }
    }
}

/// A position in a message (ERR-2, type ERL): segment ID, its occurrence (1-based), field,
/// repetition, component, subcomponent (0: not given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Loc {
    pub segment: String,
    pub seq: u16,
    pub field: u16,
    pub rep: u16,
    pub comp: u16,
    pub sub: u16,
}

impl Loc {
    pub fn new(segment: &str, seq: u16, field: u16) -> Self {
        Self {
            segment: segment.to_owned(),
            seq,
            field,
            rep: 0,
            comp: 0,
            sub: 0,
        }
    }

    pub fn rep(mut self, rep: u16) -> Self {
        self.rep = rep;
        self
    }

    pub fn comp(mut self, comp: u16) -> Self {
        self.comp = comp;
        self
    }
}

impl fmt::Display for Loc {
    /// `PID-3(2).1`-style, for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.segment)?;
        if self.seq > 1 {
            write!(f, "[{}]", self.seq)?;
        }
        if self.field > 0 {
            write!(f, "-{}", self.field)?;
        }
        if self.rep > 1 {
            write!(f, "({})", self.rep)?;
        }
        if self.comp > 0 {
            write!(f, ".{}", self.comp)?;
        }
        Ok(())
    }
}

/// HL7 table 0357, message error condition codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrCode {
    SegmentSequence,
    RequiredFieldMissing,
    DataTypeError,
    TableValueNotFound,
    UnsupportedMessageType,
    UnsupportedEventCode,
    UnsupportedProcessingId,
    UnsupportedVersionId,
    UnknownKeyIdentifier,
    DuplicateKeyIdentifier,
    ApplicationRecordLocked,
    ApplicationInternalError,
}

impl ErrCode {
    pub fn code(self) -> &'static str {
        use ErrCode::*;
        match self {
            SegmentSequence => "100",
            RequiredFieldMissing => "101",
            DataTypeError => "102",
            TableValueNotFound => "103",
            UnsupportedMessageType => "200",
            UnsupportedEventCode => "201",
            UnsupportedProcessingId => "202",
            UnsupportedVersionId => "203",
            UnknownKeyIdentifier => "204",
            DuplicateKeyIdentifier => "205",
            ApplicationRecordLocked => "206",
            ApplicationInternalError => "207",
        }
    }

    pub fn text(self) -> &'static str {
        use ErrCode::*;
        match self {
            SegmentSequence => "Segment sequence error",
            RequiredFieldMissing => "Required field missing",
            DataTypeError => "Data type error",
            TableValueNotFound => "Table value not found",
            UnsupportedMessageType => "Unsupported message type",
            UnsupportedEventCode => "Unsupported event code",
            UnsupportedProcessingId => "Unsupported processing id",
            UnsupportedVersionId => "Unsupported version id",
            UnknownKeyIdentifier => "Unknown key identifier",
            DuplicateKeyIdentifier => "Duplicate key identifier",
            ApplicationRecordLocked => "Application record locked",
            ApplicationInternalError => "Application internal error",
        }
    }
}
