//! Tests of rule validation: every check, several problems at once, codes and paths.

use super::*;
use crate::routing::model::{Action, Field};

fn known(name: &str) -> bool {
    matches!(name, "PACS" | "ARCHIVE")
}

fn rule(when: Condition) -> Rule {
    Rule {
        name: "ok".into(),
        enabled: true,
        action: Action::Continue,
        fallback: false,
        destinations: vec!["PACS".into()],
        when,
    }
}

fn problems(rule: &Rule) -> Vec<(&'static str, String)> {
    match validate(rule, &known) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| (e.code(), e.path().to_owned()))
            .collect(),
    }
}

fn eq(value: &str) -> Condition {
    Condition::Equals {
        field: Field::Modality,
        value: value.into(),
    }
}

#[test]
fn valid_conditions_pass() {
    for when in [
        Condition::Always,
        eq("CT"),
        Condition::OneOf {
            field: Field::Clinic,
            values: vec!["A".into()],
        },
        Condition::Contains {
            field: Field::StudyDescription,
            value: "thorax".into(),
        },
        Condition::Matches {
            field: Field::BodyPart,
            pattern: "^(chest|thorax)$".into(),
        },
        Condition::AgeBetween {
            min: None,
            max: None,
        },
        Condition::AgeBetween {
            min: Some(18),
            max: Some(18),
        },
        Condition::TimeBetween {
            from: "22:00".into(),
            to: "06:00".into(),
        },
        Condition::PriorityIn {
            values: vec![crate::routing::Priority::Stat],
        },
        Condition::Not {
            of: Box::new(eq("SR")),
        },
        Condition::All {
            of: vec![eq("CT"), Condition::Any { of: vec![eq("MR")] }],
        },
    ] {
        assert_eq!(problems(&rule(when.clone())), [], "{when:?}");
    }
}

fn one_of(values: &[&str]) -> Condition {
    let values = values.iter().map(|v| (*v).to_owned()).collect();
    Condition::OneOf {
        field: Field::Modality,
        values,
    }
}

fn time(from: &str, to: &str) -> Condition {
    Condition::TimeBetween {
        from: from.into(),
        to: to.into(),
    }
}

#[test]
fn each_check_reports_code_and_path() {
    let contains_nothing = Condition::Contains {
        field: Field::Institution,
        value: String::new(),
    };
    let no_pattern = Condition::Matches {
        field: Field::Modality,
        pattern: String::new(),
    };
    let nested = Condition::Not {
        of: Box::new(Condition::All {
            of: vec![eq("CT"), eq("")],
        }),
    };
    for (when, expected) in [
        (eq("  "), vec![("empty_value", "when.value")]),
        (contains_nothing, vec![("empty_value", "when.value")]),
        (one_of(&[]), vec![("empty_list", "when.values")]),
        (
            one_of(&["CT", " "]),
            vec![("empty_value", "when.values[1]")],
        ),
        (
            Condition::PriorityIn { values: vec![] },
            vec![("empty_list", "when.values")],
        ),
        (
            Condition::All { of: vec![] },
            vec![("empty_group", "when.of")],
        ),
        (
            Condition::Any { of: vec![] },
            vec![("empty_group", "when.of")],
        ),
        (
            Condition::AgeBetween {
                min: Some(65),
                max: Some(18),
            },
            vec![("age_range", "when.min")],
        ),
        (
            time("25:00", "7h"),
            vec![("bad_time", "when.from"), ("bad_time", "when.to")],
        ),
        (time("08:00", "8:00"), vec![("empty_time_window", "when")]),
        (no_pattern, vec![("empty_value", "when.pattern")]),
        (nested, vec![("empty_value", "when.of.of[1].value")]),
    ] {
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(c, p)| (c, p.to_owned()))
            .collect();
        assert_eq!(problems(&rule(when.clone())), expected, "{when:?}");
    }
}

#[test]
fn bad_regex_carries_the_regex_message() {
    let r = rule(Condition::Any {
        of: vec![
            eq("CT"),
            Condition::Matches {
                field: Field::BodyPart,
                pattern: "(chest".into(),
            },
        ],
    });
    let errors = validate(&r, &known).expect_err("bad regex");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].code(), errors[0].path()),
        ("bad_regex", "when.of[1].pattern")
    );
    let message = errors[0].to_string();
    assert!(
        message.starts_with("when.of[1].pattern: invalid regular expression: "),
        "{message}"
    );
    assert!(
        message.len() > "when.of[1].pattern: invalid regular expression: ".len(),
        "{message}"
    );
}

#[test]
fn several_problems_are_collected() {
    let mut r = rule(Condition::All {
        of: vec![
            Condition::Matches {
                field: Field::BodyPart,
                pattern: "[".into(),
            },
            Condition::AgeBetween {
                min: Some(9),
                max: Some(1),
            },
        ],
    });
    r.name = "   ".into();
    r.destinations = vec!["PACS".into(), "NOWHERE".into()];
    let got = problems(&r);
    let codes: Vec<_> = got.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        [
            "empty_name",
            "unknown_destination",
            "bad_regex",
            "age_range"
        ]
    );
    assert_eq!(got[1].1, "destinations[1]");

    r.name = "x".repeat(MAX_NAME_CHARS + 1);
    r.destinations.clear();
    r.when = Condition::Always;
    assert_eq!(
        problems(&r),
        [
            ("name_too_long", "name".to_owned()),
            ("no_destination", "destinations".to_owned())
        ]
    );
    r.name = "é".repeat(MAX_NAME_CHARS);
    r.destinations = vec!["ARCHIVE".into()];
    assert_eq!(problems(&r), [], "the limit counts characters, not bytes");
}

#[test]
fn nesting_is_bounded() {
    let mut when = eq("CT");
    for _ in 0..=MAX_DEPTH {
        when = Condition::Not { of: Box::new(when) };
    }
    let got = problems(&rule(when));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "too_deep");
}

#[test]
fn errors_serialize_with_their_code() {
    let errors = [
        RuleError::UnknownDestination {
            path: "destinations[0]".into(),
            name: "X".into(),
        },
        RuleError::AgeRange {
            path: "when.min".into(),
            min: 3,
            max: 1,
        },
        RuleError::EmptyName {
            path: "name".into(),
        },
    ];
    for e in errors {
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["code"], e.code());
        assert_eq!(json["path"], e.path());
        assert_eq!(serde_json::from_value::<RuleError>(json).expect("json"), e);
    }
    let e = RuleError::UnknownDestination {
        path: "destinations[0]".into(),
        name: "X".into(),
    };
    assert_eq!(e.to_string(), r#"destinations[0]: unknown destination "X""#);
}
