//! Tests of the rule model's serde shape: JSON and TOML round trips, defaults, errors.

use super::*;

fn sample_set() -> RuleSet {
    RuleSet {
        rules: vec![
            Rule {
                name: "Urgent CT to reading room".into(),
                enabled: true,
                action: Action::Stop,
                fallback: false,
                destinations: vec!["PACS_MAIN".into(), "READING_ROOM".into()],
                when: Condition::All {
                    of: vec![
                        Condition::Equals {
                            field: Field::Modality,
                            value: "CT".into(),
                        },
                        Condition::Any {
                            of: vec![
                                Condition::PriorityIn {
                                    values: vec![Priority::Stat],
                                },
                                Condition::TimeBetween {
                                    from: "22:00".into(),
                                    to: "07:00".into(),
                                },
                            ],
                        },
                        Condition::Not {
                            of: Box::new(Condition::Matches {
                                field: Field::StudyDescription,
                                pattern: "^research".into(),
                            }),
                        },
                        Condition::AgeBetween {
                            min: Some(18),
                            max: None,
                        },
                    ],
                },
            },
            Rule {
                name: "Everything else".into(),
                enabled: false,
                action: Action::Continue,
                fallback: true,
                destinations: vec!["ARCHIVE".into()],
                when: Condition::Always,
            },
        ],
    }
}

#[test]
fn json_round_trip() {
    let set = sample_set();
    let json = serde_json::to_string_pretty(&set).expect("json");
    println!("{json}");
    assert_eq!(serde_json::from_str::<RuleSet>(&json).expect("json"), set);
    assert!(json.contains(r#""op": "not""#), "{json}");
    assert!(
        !json.contains("max"),
        "absent age bounds are omitted: {json}"
    );
}

#[test]
fn toml_round_trip() {
    let set = sample_set();
    let text = toml::to_string(&set).expect("toml");
    println!("{text}");
    assert_eq!(toml::from_str::<RuleSet>(&text).expect("toml"), set);
}

#[test]
fn hand_written_toml_reads() {
    let text = r#"
        [[rules]]
        name = "MR to research"
        destinations = ["RESEARCH"]
        when = { op = "one_of", field = "modality", values = ["MR", "MRA"] }

        [[rules]]
        name = "Catch-all"
        fallback = true
        destinations = ["ARCHIVE"]
        [rules.when]
        op = "always"
    "#;
    let set: RuleSet = toml::from_str(text).expect("toml");
    assert_eq!(set.rules.len(), 2);
    let mr = &set.rules[0];
    assert!(mr.enabled && !mr.fallback, "defaults");
    assert_eq!(mr.action, Action::Continue);
    assert_eq!(
        mr.when,
        Condition::OneOf {
            field: Field::Modality,
            values: vec!["MR".into(), "MRA".into()]
        }
    );
    assert!(set.rules[1].fallback);
    assert_eq!(set.rules[1].when, Condition::Always);
}

#[test]
fn unknown_names_are_reported() {
    let bad_field = r#"{"op":"equals","field":"colour","value":"x"}"#;
    let err = serde_json::from_str::<Condition>(bad_field).expect_err("unknown field");
    assert!(
        err.to_string().contains("unknown variant `colour`"),
        "{err}"
    );
    assert!(
        err.to_string().contains("modality"),
        "lists the known fields: {err}"
    );

    let bad_op = r#"{"op":"resembles","field":"modality","value":"x"}"#;
    let err = serde_json::from_str::<Condition>(bad_op).expect_err("unknown op");
    assert!(
        err.to_string().contains("unknown variant `resembles`"),
        "{err}"
    );

    let typo = r#"{"op":"one_of","field":"modality","value":["CT"]}"#;
    let err = serde_json::from_str::<Condition>(typo).expect_err("misspelt key");
    assert!(err.to_string().contains("value"), "{err}");

    let toml_err = toml::from_str::<RuleSet>(
        "[[rules]]\nname = \"x\"\ndestinations = []\nwhen = { op = \"equals\", field = \"nope\", value = \"x\" }\n",
    )
    .expect_err("unknown field in TOML");
    assert!(
        toml_err.to_string().contains("unknown variant `nope`"),
        "{toml_err}"
    );

    let rule_typo = r#"{"name":"x","destinations":[],"when":{"op":"always"},"stop":true}"#;
    let err = serde_json::from_str::<Rule>(rule_typo).expect_err("unknown rule key");
    assert!(err.to_string().contains("unknown field `stop`"), "{err}");
}

#[test]
fn field_names_match_serde() {
    for f in Field::ALL {
        assert_eq!(
            serde_json::to_string(f).expect("json"),
            format!("\"{}\"", f.as_str())
        );
    }
}

#[test]
fn layered_puts_clinic_rules_first() {
    let set = sample_set();
    let (clinic, global) = (&set.rules[1..], &set.rules[..1]);
    let layered = RuleSet::layered(clinic, global);
    let names: Vec<_> = layered.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Everything else", "Urgent CT to reading room"]);
}
