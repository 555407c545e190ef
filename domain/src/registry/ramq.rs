//! The Quebec health insurance number (numéro d'assurance maladie, RAMQ): four letters (the
//! first three of the family name at birth and the first of the given name), then YYMMDD of the
//! birth date with 50 added to the month for women, then two administrative digits.
//!
//! A number that is not of this shape is refused; one that disagrees with the record's birth
//! date, sex or name gives [`RamqWarning`]s the user may confirm (typos are common, records of
//! people born a century ago share the two-digit year, and names change).

use super::patient::{PersonName, Sex};
use super::text::letters_upper;
use super::{CivilDate, FieldError, FieldName, Problem, bad};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A RAMQ number of valid shape, kept as 12 upper-case characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Ramq(String);

/// A disagreement between a RAMQ number and the rest of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RamqWarning {
    /// The number's YYMMDD is not the birth date's.
    BirthDate { number_says: String },
    /// The number encodes the other sex (month + 50 for women).
    Sex { number_says: Sex },
    /// The letters are not the family name's first three and the given name's first.
    Name { expected: String },
}

impl fmt::Display for RamqWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RamqWarning::BirthDate { number_says } => write!(
                f,
                "the RAMQ number gives the birth date {number_says}, not the record's"
            ),
            RamqWarning::Sex { number_says } => write!(
                f,
                "the RAMQ number is that of a {} person",
                match number_says {
                    Sex::Female => "female",
                    _ => "male",
                }
            ),
            RamqWarning::Name { expected } => write!(
                f,
                "the RAMQ number's letters would be {expected} for this name"
            ),
        }
    }
}

fn shape_error<T>() -> Result<T, FieldError> {
    bad(
        FieldName::Ramq,
        Problem::BadFormat {
            expected: "ABCD 1234 5678".into(),
        },
    )
}

impl Ramq {
    /// Accepts spaces and lower case (`tremb 8501 1512` is not 4 letters: refused).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let v: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = v.as_bytes();
        if b.len() != 12
            || !b[..4].iter().all(u8::is_ascii_uppercase)
            || !b[4..].iter().all(u8::is_ascii_digit)
        {
            return shape_error();
        }
        let r = Self(v);
        let (m, d) = (r.num(6), r.num(8));
        let month = if m > 50 { m - 50 } else { m };
        if !(1..=12).contains(&month) || !(1..=31).contains(&d) {
            return bad(FieldName::Ramq, Problem::BadDate);
        }
        // The day must exist in that month for some year of the two-digit year's centuries.
        let yy = r.num(4);
        let fits = [1900u16, 2000]
            .iter()
            .any(|c| CivilDate::new(c + u16::from(yy), month, d).is_some());
        if !fits {
            return bad(FieldName::Ramq, Problem::BadDate);
        }
        Ok(r)
    }

    fn num(&self, at: usize) -> u8 {
        self.0[at..at + 2].parse().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Grouped as printed on the card: `ABCD 1234 5678`.
    pub fn grouped(&self) -> String {
        format!("{} {} {}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }

    /// The sex the number encodes: female when the month has 50 added.
    pub fn sex(&self) -> Sex {
        if self.num(6) > 50 {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// Where the number disagrees with the record (empty when it agrees).
    pub fn check(
        &self,
        name: &PersonName,
        birth: Option<CivilDate>,
        sex: Option<Sex>,
    ) -> Vec<RamqWarning> {
        let mut out = Vec::new();
        let (yy, m, d) = (self.num(4), self.num(6), self.num(8));
        let month = if m > 50 { m - 50 } else { m };
        if let Some(b) = birth {
            let same = b.year() % 100 == u16::from(yy) && b.month() == month && b.day() == d;
            if !same {
                out.push(RamqWarning::BirthDate {
                    number_says: format!("{yy:02}-{month:02}-{d:02}"),
                });
            }
        }
        if let Some(s @ (Sex::Male | Sex::Female)) = sex
            && s != self.sex()
        {
            out.push(RamqWarning::Sex {
                number_says: self.sex(),
            });
        }
        let expected = expected_letters(name);
        if expected.len() == 4 && expected != self.0[..4] {
            out.push(RamqWarning::Name { expected });
        }
        out
    }
}

/// The four letters a RAMQ number starts with for `name`: the family name's first three
/// letters (padded with X) and the given name's first; empty if the given name has no letter.
fn expected_letters(name: &PersonName) -> String {
    let family = letters_upper(&name.family);
    let Some(given) = letters_upper(&name.given).chars().next() else {
        return String::new();
    };
    let mut out: String = family.chars().take(3).collect();
    while out.len() < 3 {
        out.push('X');
    }
    out.push(given);
    out
}

impl fmt::Display for Ramq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl TryFrom<String> for Ramq {
    type Error = FieldError;
    fn try_from(v: String) -> Result<Self, FieldError> {
        Self::parse(&v)
    }
}

impl From<Ramq> for String {
    fn from(r: Ramq) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(f: &str, g: &str) -> PersonName {
        PersonName::new(f, g).expect("name")
    }

    #[test]
    fn shape() {
        assert_eq!(
            Ramq::parse("trem 8551 1512").map(|r| r.grouped()),
            Ok("TREM 8551 1512".into())
        );
        let bad_shape = |s: &str| {
            matches!(
                Ramq::parse(s),
                Err(FieldError {
                    field: FieldName::Ramq,
                    problem: Problem::BadFormat { .. }
                })
            )
        };
        assert!(bad_shape("TRE 8501 15121"));
        assert!(bad_shape("TREM 8501 151"));
        assert!(bad_shape("TREM85011512X"));
        assert!(bad_shape("TRÉM 8501 1512"));
        assert!(bad_shape(""));
        let bad_date = |s: &str| Ramq::parse(s).map_err(|e| e.problem) == Err(Problem::BadDate);
        assert!(bad_date("TREM 8513 1512"), "month 13");
        assert!(bad_date("TREM 8500 1512"), "month 0");
        assert!(bad_date("TREM 8550 1512"), "month 50");
        assert!(bad_date("TREM 8563 1512"), "month 63");
        assert!(bad_date("TREM 8502 3012"), "30 February");
        assert!(bad_date("TREM 8501 0012"), "day 0");
        assert!(Ramq::parse("TREM 0002 2912").is_ok(), "29 February 2000");
    }

    #[test]
    fn cross_checks() {
        let r = Ramq::parse("TREM 8551 1512").expect("valid");
        assert_eq!(r.sex(), Sex::Female);
        let born = CivilDate::new(1985, 1, 15);
        assert!(
            r.check(&name("Tremblay", "Marie"), born, Some(Sex::Female))
                .is_empty()
        );
        let w = r.check(
            &name("Tremblay", "Marie"),
            CivilDate::new(1985, 1, 16),
            Some(Sex::Male),
        );
        assert_eq!(
            w,
            vec![
                RamqWarning::BirthDate {
                    number_says: "85-01-15".into()
                },
                RamqWarning::Sex {
                    number_says: Sex::Female
                },
            ]
        );
        assert!(
            r.check(&name("Tremblay", "Marie"), born, Some(Sex::Other))
                .is_empty()
        );
        assert_eq!(
            r.check(&name("Côté", "Émile"), born, None),
            vec![RamqWarning::Name {
                expected: "COTE".into()
            }]
        );
        let short = Ramq::parse("LIXA 5003 0112").expect("valid");
        assert!(
            short
                .check(
                    &name("Li", "Anne"),
                    CivilDate::new(1950, 3, 1),
                    Some(Sex::Male)
                )
                .is_empty()
        );
        assert!(
            r.check(&name("Tremblay", ""), born, None).is_empty(),
            "no given name: no letter check"
        );
    }
}
