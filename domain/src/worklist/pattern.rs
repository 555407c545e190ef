//! DICOM matching of one key value (PS3.4 §C.2.2.2): universal (empty or `*`), single value,
//! and wildcard (`*` any run, `?` one character). Person names and other text match without
//! regard to case or accents (a technologist types COTE for Côté); code strings match exactly.

use crate::registry::text::fold;

/// How a key's text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Exactly as written (CS and AE values: Modality, Station AE Title).
    Exact,
    /// Case and accents ignored (PN, LO, SH: names, identifiers typed by people).
    Folded,
}

/// One key's matching value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    chars: Vec<char>,
    wild: bool,
    compare: Compare,
}

/// Folds a value for [`Compare::Folded`]: the person-name separators are kept (`^` splits
/// components), so "COTE^H*" still means family COTE, given starting with H.
fn fold_keep_caret(text: &str) -> String {
    text.split('^').map(fold).collect::<Vec<_>>().join("^")
}

impl Pattern {
    /// `None` for universal matching: an empty value, or only `*` (PS3.4 §C.2.2.2.3).
    pub fn new(raw: &str, compare: Compare) -> Option<Self> {
        let raw = raw.trim_matches([' ', '\0']);
        if raw.is_empty() || raw.chars().all(|c| c == '*') {
            return None;
        }
        let text = match compare {
            Compare::Exact => raw.to_owned(),
            Compare::Folded => fold_keep_caret(raw),
        };
        Some(Self {
            wild: text.contains(['*', '?']),
            chars: text.chars().collect(),
            compare,
        })
    }

    /// Whether `value` (as stored) matches.
    pub fn matches(&self, value: &str) -> bool {
        let value = value.trim_matches([' ', '\0']);
        let v: Vec<char> = match self.compare {
            Compare::Exact => value.chars().collect(),
            Compare::Folded => fold_keep_caret(value).chars().collect(),
        };
        if !self.wild {
            return v == self.chars;
        }
        glob(&self.chars, &v)
    }

    /// The value itself when it has no wildcard and is compared exactly (an SQL equality).
    pub fn literal(&self) -> Option<String> {
        (!self.wild && self.compare == Compare::Exact).then(|| self.chars.iter().collect())
    }

    /// The literal text before the first wildcard (for a database prefilter).
    pub fn prefix(&self) -> String {
        self.chars
            .iter()
            .take_while(|c| **c != '*' && **c != '?')
            .collect()
    }
}

/// Wildcard match, iterative with one backtrack point (linear in practice, no recursion).
fn glob(p: &[char], v: &[char]) -> bool {
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == v[vi] => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches a person name (PS3.5 §6.2 PN) against a pattern: the whole name as
/// `family^given^middle^prefix^suffix`, trailing empty components ignored on both sides, so
/// `COTE^*` matches `Côté^Hélène` and `COTE*` matches every Côté.
pub fn name_matches(p: &Pattern, name: &str) -> bool {
    let trimmed = name.trim_end_matches(['^', ' ']);
    if p.matches(trimmed) {
        return true;
    }
    // A pattern of the family name alone (no `^`) matches the name's family component.
    !p.chars.contains(&'^') && p.matches(trimmed.split('^').next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> Pattern {
        Pattern::new(s, Compare::Folded).expect("a pattern")
    }

    #[test]
    fn universal_values_match_everything() {
        assert!(Pattern::new("", Compare::Folded).is_none());
        assert!(Pattern::new("*", Compare::Exact).is_none());
        assert!(Pattern::new("  ", Compare::Exact).is_none());
    }

    #[test]
    fn wildcards_case_and_accents() {
        assert!(folded("COTE*").matches("Côté^Hélène"));
        assert!(folded("c?t?^h*").matches("CÔTÉ^HÉLÈNE"));
        assert!(!folded("COTE^J*").matches("Côté^Hélène"));
        assert!(folded("*LENE").matches("Côté^Hélène"));
        assert!(folded("a*b*c").matches("axxbyyc"));
        assert!(!folded("a*b*c").matches("axxbyy"));
    }

    #[test]
    fn exact_is_exact() {
        let p = Pattern::new("CT", Compare::Exact).expect("p");
        assert!(p.matches("CT"));
        assert!(!p.matches("ct"));
        let ae = Pattern::new("CT*", Compare::Exact).expect("p");
        assert!(ae.matches("CT_SALLE1"));
        assert_eq!(ae.prefix(), "CT");
    }

    #[test]
    fn names_by_family_alone() {
        assert!(name_matches(&folded("COTE"), "Côté^Hélène"));
        assert!(name_matches(&folded("Côté^Hélène"), "CÔTÉ^HÉLÈNE^^^"));
        assert!(!name_matches(&folded("COTE^MARIE"), "Côté^Hélène"));
    }
}
