//! Text folding for search: lower case without accents, so "helene" finds "Hélène" and
//! "COTE" finds "Côté" on every database (SQLite's `lower` knows only ASCII).

/// `c` without its accent (Latin-1 and Latin Extended-A letters used in French and English
/// names), lower-cased.
fn fold_char(c: char, out: &mut String) {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => 'y',
        'œ' | 'Œ' => {
            out.push_str("oe");
            return;
        }
        'æ' | 'Æ' => {
            out.push_str("ae");
            return;
        }
        'ß' => {
            out.push_str("ss");
            return;
        }
        other => {
            out.extend(other.to_lowercase());
            return;
        }
    };
    out.push(base);
}

/// Lower case, accents removed, runs of spaces, `^`, `,`, `-` and `'` made one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '^' | ',' | '-' | '\'' | '’' | '=') {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        fold_char(c, &mut out);
        space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The letters of `text` folded and upper-cased, nothing else (for RAMQ name checks).
pub fn letters_upper(text: &str) -> String {
    fold(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether every word of `query` (folded) starts a word of `key` (already folded), or appears
/// in it for words of 3+ characters. Used by the browser's local filters; the server uses LIKE.
pub fn matches(key: &str, query: &str) -> bool {
    fold(query).split(' ').filter(|w| !w.is_empty()).all(|w| {
        if w.len() >= 3 {
            key.contains(w)
        } else {
            key.split(' ').any(|k| k.starts_with(w))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("CÔTÉ^Hélène"), "cote helene");
        assert_eq!(fold("  Lévesque-Bérubé,  Æsa  "), "levesque berube aesa");
        assert_eq!(fold("O'Néill"), "o neill");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(letters_upper("D'Amours-Côté"), "DAMOURSCOTE");
    }

    #[test]
    fn word_matching() {
        let key = fold("Tremblay^Marie-Ève 0012345");
        assert!(matches(&key, "trem"));
        assert!(matches(&key, "EVE tremblay"));
        assert!(matches(&key, "ma"));
        assert!(!matches(&key, "x"));
        assert!(matches(&key, "2345"));
    }
}
