//! Character sets of HL7 v2 messages (MSH-18, table 0211): ASCII (the default), `8859/1` and
//! `UNICODE UTF-8`. MSH is ASCII in all three, so MSH-18 is read from the bytes before the
//! message is decoded. Undeclared bytes above 0x7F are read as UTF-8 when they are valid
//! UTF-8, else as ISO 8859-1 (both are met in Quebec's systems).

use super::Hl7Error;

/// How a message's bytes are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Ascii,
    Latin1,
    Utf8,
}

impl Charset {
    /// The MSH-18 value written back in answers.
    pub fn hl7_name(self) -> &'static str {
        match self {
            Charset::Ascii => "ASCII",
            Charset::Latin1 => "8859/1",
            Charset::Utf8 => "UNICODE UTF-8",
        }
    }

    /// From an MSH-18 value; empty is ASCII.
    pub fn from_name(name: &str) -> Result<Self, Hl7Error> {
        match name.trim().to_ascii_uppercase().as_str() {
            "" | "ASCII" => Ok(Charset::Ascii),
            "8859/1" | "ISO-8859-1" | "ISO_IR 100" => Ok(Charset::Latin1),
            "UNICODE UTF-8" | "UTF-8" | "UNICODE" => Ok(Charset::Utf8),
            _ => Err(Hl7Error::Charset(name.chars().take(32).collect())),
        }
    }

    /// Text as bytes of this character set (characters it cannot hold become `?`).
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => text.as_bytes().to_vec(),
            Charset::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Charset::Ascii => text
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
        }
    }
}

/// MSH-18's first repetition, read from the raw bytes of the first segment.
pub fn declared(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(b"MSH") || bytes.len() < 8 {
        return None;
    }
    let fs = bytes[3];
    let rep = bytes[5];
    let line_end = bytes
        .iter()
        .position(|b| *b == b'\r' || *b == b'\n')
        .unwrap_or(bytes.len());
    let value = bytes[..line_end].split(|b| *b == fs).nth(17)?;
    let first = value.split(|b| *b == rep).next().unwrap_or(&[]);
    Some(String::from_utf8_lossy(first).into_owned())
}

/// The message as text, and the character set it was read with.
pub fn decode(bytes: &[u8]) -> Result<(String, Charset), Hl7Error> {
    let declared = Charset::from_name(&declared(bytes).unwrap_or_default())?;
    match declared {
        Charset::Latin1 => Ok((bytes.iter().map(|b| char::from(*b)).collect(), declared)),
        Charset::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok((s.to_owned(), declared)),
            Err(e) => Err(Hl7Error::NotUtf8(e.valid_up_to())),
        },
        Charset::Ascii => match std::str::from_utf8(bytes) {
            Ok(s) if s.is_ascii() => Ok((s.to_owned(), Charset::Ascii)),
            Ok(s) => Ok((s.to_owned(), Charset::Utf8)),
            Err(_) => Ok((
                bytes.iter().map(|b| char::from(*b)).collect(),
                Charset::Latin1,
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msh(charset: &str) -> String {
        format!("MSH|^~\\&|RIS|F|P|P|20261207||ADT^A08|1|P|2.5.1||||||{charset}\rPID|1||1||")
    }

    #[test]
    fn declared_sets() {
        assert_eq!(
            declared(msh("8859/1").as_bytes()).as_deref(),
            Some("8859/1")
        );
        assert_eq!(
            declared(msh("UNICODE UTF-8~8859/1").as_bytes()).as_deref(),
            Some("UNICODE UTF-8")
        );
        assert_eq!(declared(b"MSH|^~\\&|RIS"), None);
    }

    #[test]
    fn decodes_each() {
        let mut latin = msh("8859/1").into_bytes();
        latin.extend([b'C', 0xD4, b'T', 0xC9]);
        assert!(decode(&latin).expect("latin").0.ends_with("CÔTÉ"));
        let utf = format!("{}CÔTÉ", msh("UNICODE UTF-8"));
        assert_eq!(decode(utf.as_bytes()).expect("utf").1, Charset::Utf8);
        let mut bad = msh("UNICODE UTF-8").into_bytes();
        bad.push(0xD4);
        assert!(matches!(decode(&bad), Err(Hl7Error::NotUtf8(_))));
        let undeclared_utf = format!("{}CÔTÉ", msh(""));
        assert_eq!(
            decode(undeclared_utf.as_bytes()).expect("utf").1,
            Charset::Utf8
        );
        let mut undeclared_latin = msh("").into_bytes();
        undeclared_latin.push(0xC9);
        let (text, cs) = decode(&undeclared_latin).expect("latin");
        assert_eq!((text.ends_with('É'), cs), (true, Charset::Latin1));
        assert!(matches!(
            decode(msh("ISO IR87").as_bytes()),
            Err(Hl7Error::Charset(_))
        ));
    }

    #[test]
    fn encodes() {
        assert_eq!(Charset::Latin1.encode("É€"), vec![0xC9, b'?']);
        assert_eq!(Charset::Ascii.encode("É"), vec![b'?']);
    }
}
