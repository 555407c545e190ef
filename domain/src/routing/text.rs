//! Text comparison for routing conditions: trimmed, case-insensitive (Unicode lower case) and
//! allocation-free on the evaluation path; also the one place patterns and "HH:MM" are parsed.

use regex_lite::{Regex, RegexBuilder};
use std::borrow::Cow;

/// Largest compiled program a `matches` pattern may produce (regex-lite's NFA size, bytes).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Deepest group nesting a `matches` pattern may use.
const REGEX_NEST_LIMIT: u32 = 32;

/// Rule-side normal form, computed once when rules are compiled: trimmed, then lower-cased
/// character by character (the same mapping [`eq_folded`] applies to facts).
pub(crate) fn fold(s: &str) -> String {
    s.trim().chars().flat_map(char::to_lowercase).collect()
}

/// Whether `fact`, trimmed, equals `folded` (already in [`fold`] form), ignoring case.
pub(crate) fn eq_folded(fact: &str, folded: &str) -> bool {
    let fact = fact.trim();
    if fact.is_ascii() {
        return fact.eq_ignore_ascii_case(folded);
    }
    fact.chars().flat_map(char::to_lowercase).eq(folded.chars())
}

/// Whether `fact` contains `needle` (already in [`fold`] form), ignoring case.
pub(crate) fn contains_folded(fact: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let fact = fact.trim();
    if fact.is_ascii() && needle.is_ascii() {
        return fact
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
    }
    fact.char_indices().any(|(i, _)| {
        let mut hay = fact[i..].chars().flat_map(char::to_lowercase);
        needle.chars().all(|n| hay.next() == Some(n))
    })
}

/// Lower-cases the non-ASCII characters of `s` (regex-lite folds ASCII case only, so both the
/// pattern and the fact go through this before matching; "Hôpital" then matches "HÔPITAL").
pub(crate) fn fold_non_ascii(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    Cow::Owned(out)
}

/// Builds the regex of a `matches` condition: case-insensitive unless the pattern turns it off
/// (`(?-i)`), unanchored, with bounded size. The error is regex-lite's message.
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, String> {
    let pattern = fold_non_ascii(pattern);
    RegexBuilder::new(&format!("(?i){pattern}"))
        .size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// Whether the trimmed `fact` matches `re` (built by [`build_regex`]).
pub(crate) fn regex_matches(re: &Regex, fact: &str) -> bool {
    re.is_match(&fold_non_ascii(fact.trim()))
}

/// "HH:MM" (00:00–23:59; a one-digit hour is accepted) as minutes since midnight.
pub(crate) fn parse_hhmm(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return None;
    }
    let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_ignores_case_and_padding() {
        for (fact, rule, expected) in [
            ("CT", "ct", true),
            (" CT ", " Ct", true),
            ("HÔPITAL ST-JEAN", "hôpital st-jean", true),
            ("Hôpital", "HÔPITAL", true),
            ("CT", "mr", false),
            ("", "", true),
            ("CTA", "ct", false),
        ] {
            assert_eq!(
                eq_folded(fact, &fold(rule)),
                expected,
                "{fact:?} = {rule:?}"
            );
        }
    }

    #[test]
    fn substring_ignores_case() {
        for (fact, needle, expected) in [
            ("CT THORAX W CONTRAST", "thorax", true),
            ("ct thorax", "THORAX", true),
            ("IRM ÉPAULE GAUCHE", "épaule", true),
            ("irm épaule", "ÉPAULE", true),
            ("CT HEAD", "thorax", false),
            ("CT", "ct head", false),
            ("anything", "", true),
        ] {
            assert_eq!(
                contains_folded(fact, &fold(needle)),
                expected,
                "{fact:?} ∋ {needle:?}"
            );
        }
    }

    #[test]
    fn regexes_fold_case_unless_told_not_to() {
        let re = build_regex("^hôpital").expect("regex");
        assert!(regex_matches(&re, "HÔPITAL MAISONNEUVE"));
        assert!(regex_matches(&re, "  Hôpital"));
        assert!(!regex_matches(&re, "CLINIQUE HÔPITAL"));
        let strict = build_regex("(?-i)^CT$").expect("regex");
        assert!(regex_matches(&strict, "CT"));
        assert!(!regex_matches(&strict, "ct"));
        assert!(build_regex("(unclosed").is_err());
    }

    #[test]
    fn times() {
        for (raw, expected) in [
            ("00:00", Some(0)),
            ("07:30", Some(450)),
            ("7:30", Some(450)),
            (" 23:59 ", Some(1439)),
            ("24:00", None),
            ("12:60", None),
            ("12:5", None),
            ("1230", None),
            ("ab:cd", None),
            ("+1:00", None),
            ("", None),
        ] {
            assert_eq!(parse_hhmm(raw), expected, "{raw:?}");
        }
    }
}
