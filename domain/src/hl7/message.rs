//! An HL7 v2 message split into segments and fields (HL7 v2.5.1 ch. 2.5–2.7): the delimiters come
//! from MSH-1 and MSH-2, segments end with a carriage return (a line feed is tolerated), and
//! values are read decoded ([`super::escape`]).

use super::escape;
use super::{Hl7Error, Loc};

/// The five delimiters of a message (MSH-1 and MSH-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub field: char,
    pub component: char,
    pub repetition: char,
    pub escape: char,
    pub subcomponent: char,
}

impl Default for Separators {
    fn default() -> Self {
        Self {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
        }
    }
}

impl Separators {
    /// From the field separator and MSH-2: four distinct characters (a fifth, the v2.7
    /// truncation character, is accepted and ignored), none alphanumeric, a space or the field
    /// separator.
    pub fn from_msh(field: char, msh2: &str) -> Result<Self, Hl7Error> {
        let chars: Vec<char> = msh2.chars().collect();
        let bad = |why: &str| Err(Hl7Error::EncodingCharacters(format!("{msh2:?}: {why}")));
        if field.is_alphanumeric() || field.is_whitespace() || field.is_control() {
            return Err(Hl7Error::FieldSeparator(field));
        }
        if !(4..=5).contains(&chars.len()) {
            return bad("MSH-2 must have four characters, such as ^~\\&");
        }
        let mut seen = vec![field];
        for c in &chars {
            if c.is_alphanumeric() || c.is_whitespace() || c.is_control() {
                return bad("a letter, digit or space cannot be a delimiter");
            }
            if seen.contains(c) {
                return bad("each delimiter must be different");
            }
            seen.push(*c);
        }
        Ok(Self {
            field,
            component: chars[0],
            repetition: chars[1],
            escape: chars[2],
            subcomponent: chars[3],
        })
    }

    /// MSH-2 as written back in answers.
    pub fn encoding_characters(&self) -> String {
        [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ]
        .iter()
        .collect()
    }
}

/// One segment: its ID and its fields, still escaped. `fields[n]` is SEG-n (for MSH, MSH-1 is
/// the field separator itself, so the numbering matches the standard's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: String,
    fields: Vec<String>,
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub separators: Separators,
    pub segments: Vec<Segment>,
}

fn valid_segment_id(id: &str) -> bool {
    id.len() == 3
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && id.as_bytes()[0].is_ascii_uppercase()
}

impl Message {
    /// Splits `text` (already decoded from its character set) into segments and fields.
    pub fn parse(text: &str) -> Result<Self, Hl7Error> {
        let text = text.trim_start_matches(['\r', '\n', ' ', '\t']);
        if !text.starts_with("MSH") {
            return Err(Hl7Error::NoMsh);
        }
        let field = text[3..]
            .chars()
            .next()
            .ok_or(Hl7Error::FieldSeparator(' '))?;
        let msh2: String = text[3 + field.len_utf8()..]
            .chars()
            .take_while(|c| *c != field && *c != '\r' && *c != '\n')
            .collect();
        let separators = Separators::from_msh(field, &msh2)?;
        let mut segments = Vec::new();
        for (i, line) in text.split(['\r', '\n']).enumerate() {
            let line = line.trim_end_matches(' ');
            if line.is_empty() {
                continue;
            }
            segments.push(Self::segment(line, field, i)?);
        }
        Ok(Self {
            separators,
            segments,
        })
    }

    fn segment(line: &str, field: char, index: usize) -> Result<Segment, Hl7Error> {
        let mut parts = line.split(field);
        let id = parts.next().unwrap_or("").to_owned();
        if !valid_segment_id(&id) {
            return Err(Hl7Error::SegmentId {
                index: index + 1,
                id: id.chars().take(8).collect(),
            });
        }
        let mut fields = vec![id.clone()];
        if id == "MSH" {
            fields.push(field.to_string());
        }
        fields.extend(parts.map(str::to_owned));
        Ok(Segment { id, fields })
    }

    /// The `n`-th (1-based) segment with this ID.
    pub fn segment_nth(&self, id: &str, n: usize) -> Option<&Segment> {
        self.segments
            .iter()
            .filter(|s| s.id == id)
            .nth(n.saturating_sub(1))
    }

    pub fn first(&self, id: &str) -> Option<&Segment> {
        self.segment_nth(id, 1)
    }

    /// The MSH segment (always the first).
    pub fn msh(&self) -> &Segment {
        &self.segments[0]
    }

    /// The decoded value at a location (empty when absent).
    pub fn value(&self, loc: &Loc) -> String {
        self.segment_nth(&loc.segment, usize::from(loc.seq))
            .map(|s| s.value(self, loc.field, loc.rep, loc.comp, loc.sub))
            .unwrap_or_default()
    }
}

impl Segment {
    /// The raw (escaped) text of field `n`, empty when absent.
    pub fn raw(&self, n: u16) -> &str {
        self.fields
            .get(usize::from(n))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// How many fields the segment has (its last field's number).
    pub fn len(&self) -> usize {
        self.fields.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The repetitions of field `n` (raw); one empty repetition when the field is empty.
    pub fn repetitions<'a>(&'a self, m: &Message, n: u16) -> Vec<&'a str> {
        let raw = self.raw(n);
        if self.id == "MSH" && n <= 2 {
            return vec![raw];
        }
        raw.split(m.separators.repetition).collect()
    }

    /// Field `n`, repetition `rep`, component `comp`, subcomponent `sub` (all 1-based; 0 for
    /// "the whole"), decoded. MSH-1 and MSH-2 are returned as they are.
    pub fn value(&self, m: &Message, n: u16, rep: u16, comp: u16, sub: u16) -> String {
        if self.id == "MSH" && n <= 2 {
            return self.raw(n).to_owned();
        }
        let s = &m.separators;
        let reps = self.repetitions(m, n);
        let r = reps.get(usize::from(rep.max(1) - 1)).copied().unwrap_or("");
        let part = |text: &str, sep: char, i: u16| -> String {
            if i == 0 {
                return text.to_owned();
            }
            text.split(sep)
                .nth(usize::from(i - 1))
                .unwrap_or("")
                .to_owned()
        };
        let c = part(r, s.component, comp);
        let v = if comp == 0 {
            c
        } else {
            part(&c, s.subcomponent, sub)
        };
        escape::decode(&v, s)
    }

    /// Component `comp` of the first repetition of field `n`, first subcomponent, decoded.
    pub fn comp(&self, m: &Message, n: u16, comp: u16) -> String {
        self.value(m, n, 1, comp, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADT: &str = "MSH|^~\\&|RIS|CLINIQUE-MTL|PASSERELLE|PAS|20261207101500||ADT^A04^ADT_A01|MSG0001|P|2.5.1|||||CAN|UNICODE UTF-8\r\
PID|1||0012345^^^CLINIQUE-MTL^MR~TREM85511512^^^RAMQ^JHN||CÔTÉ^Hélène^Marie||19850115|F|||123 rue Saint-Denis^^Montréal^QC^H2X 1K4||514-555-0101^PRN^PH~^NET^Internet^helene@example.ca||FR\r";

    #[test]
    fn splits_segments_and_fields() {
        let m = Message::parse(ADT).expect("parse");
        assert_eq!(m.segments.len(), 2);
        let msh = m.msh();
        assert_eq!(msh.raw(1), "|");
        assert_eq!(msh.raw(2), "^~\\&");
        assert_eq!(msh.comp(&m, 9, 2), "A04");
        assert_eq!(msh.raw(10), "MSG0001");
        assert_eq!(msh.raw(18), "UNICODE UTF-8");
        let pid = m.first("PID").expect("pid");
        assert_eq!(pid.repetitions(&m, 3).len(), 2);
        assert_eq!(pid.value(&m, 3, 2, 1, 1), "TREM85511512");
        assert_eq!(pid.value(&m, 3, 2, 5, 1), "JHN");
        assert_eq!(pid.comp(&m, 5, 2), "Hélène");
        assert_eq!(pid.value(&m, 13, 2, 4, 0), "helene@example.ca");
        assert_eq!(m.value(&Loc::new("PID", 1, 7)), "19850115");
        assert_eq!(m.value(&Loc::new("PV1", 1, 2)), "");
    }

    #[test]
    fn other_delimiters_and_line_feeds() {
        let text = "MSH#*@!$#RIS#F#####ADT*A08#1#P#2.3\nPID#1##77*X$Y##DOE*JANE@ROE\n";
        let m = Message::parse(text).expect("parse");
        assert_eq!(m.separators.component, '*');
        assert_eq!(m.separators.subcomponent, '$');
        let pid = m.first("PID").expect("pid");
        assert_eq!(pid.value(&m, 3, 1, 2, 2), "Y");
        assert_eq!(pid.repetitions(&m, 5).len(), 2);
        assert_eq!(pid.value(&m, 5, 2, 1, 1), "ROE");
        assert_eq!(m.separators.encoding_characters(), "*@!$");
    }

    #[test]
    fn refuses_what_is_not_hl7() {
        assert_eq!(Message::parse("PID|1"), Err(Hl7Error::NoMsh));
        assert_eq!(Message::parse(""), Err(Hl7Error::NoMsh));
        assert!(matches!(
            Message::parse("MSH|^~|RIS"),
            Err(Hl7Error::EncodingCharacters(_))
        ));
        assert!(matches!(
            Message::parse("MSH|^^\\&|RIS"),
            Err(Hl7Error::EncodingCharacters(_))
        ));
        assert!(matches!(
            Message::parse("MSH|^~\\&A|RIS"),
            Err(Hl7Error::EncodingCharacters(_))
        ));
        assert_eq!(
            Message::parse("MSHA^~\\&"),
            Err(Hl7Error::FieldSeparator('A'))
        );
        assert!(matches!(
            Message::parse("MSH|^~\\&|RIS\rpid|1"),
            Err(Hl7Error::SegmentId { index: 2, .. })
        ));
    }
}
