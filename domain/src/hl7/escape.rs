//! Escape sequences in HL7 v2 text (v2.5.1 ch. 2.7): `\F\ \S\ \T\ \R\ \E\` for the delimiters,
//! `\Xhh…\` for bytes, `\.br\` for a line break; `\H\` and `\N\` (highlighting) are dropped.
//! Written with the message's own escape character.

use super::message::Separators;

/// Bytes of a `\X…\` sequence as text: UTF-8 if they are, else ISO 8859-1.
fn hex_text(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) || hex.is_empty() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    let bytes = bytes?;
    Some(match String::from_utf8(bytes.clone()) {
        Ok(s) => s,
        Err(_) => bytes.into_iter().map(char::from).collect(),
    })
}

/// The text of `raw` with its escape sequences replaced. An unknown or unterminated sequence is
/// kept as written.
pub fn decode(raw: &str, s: &Separators) -> String {
    if !raw.contains(s.escape) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(s.escape) {
        out.push_str(&rest[..i]);
        let after = &rest[i + s.escape.len_utf8()..];
        let Some(j) = after.find(s.escape) else {
            out.push_str(&rest[i..]);
            return out;
        };
        let seq = &after[..j];
        match seq {
            "F" => out.push(s.field),
            "S" => out.push(s.component),
            "T" => out.push(s.subcomponent),
            "R" => out.push(s.repetition),
            "E" => out.push(s.escape),
            ".br" => out.push('\n'),
            "H" | "N" => {}
            _ => match seq.strip_prefix('X').and_then(hex_text) {
                Some(t) => out.push_str(&t),
                None => {
                    out.push(s.escape);
                    out.push_str(seq);
                    out.push(s.escape);
                }
            },
        }
        rest = &after[j + s.escape.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// `text` with the delimiters and line breaks escaped, ready to go in a field.
pub fn encode(text: &str, s: &Separators) -> String {
    let mut out = String::with_capacity(text.len());
    let e = s.escape;
    for c in text.chars() {
        let code = match c {
            c if c == s.escape => "E",
            c if c == s.field => "F",
            c if c == s.component => "S",
            c if c == s.subcomponent => "T",
            c if c == s.repetition => "R",
            '\r' => "X0D",
            '\n' => ".br",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push(e);
        out.push_str(code);
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = Separators::default();
        let text = "A|B^C&D~E\\F\nG";
        let enc = encode(text, &s);
        assert_eq!(enc, "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\.br\\G");
        assert_eq!(decode(&enc, &s), text);
    }

    #[test]
    fn decodes_hex_and_keeps_unknown() {
        let s = Separators::default();
        assert_eq!(decode("Montr\\XC3A9\\al", &s), "Montréal");
        assert_eq!(decode("Montr\\XE9\\al", &s), "Montréal", "ISO 8859-1 byte");
        assert_eq!(decode("\\H\\bold\\N\\", &s), "bold");
        assert_eq!(decode("a\\Zfoo\\b", &s), "a\\Zfoo\\b");
        assert_eq!(decode("a\\b", &s), "a\\b", "unterminated");
        assert_eq!(decode("\\X4\\", &s), "\\X4\\");
    }

    #[test]
    fn other_escape_character() {
        let s = Separators {
            escape: '!',
            ..Separators::default()
        };
        assert_eq!(decode("a!F!b", &s), "a|b");
        assert_eq!(encode("a!b", &s), "a!E!b");
    }
}
