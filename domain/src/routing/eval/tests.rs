//! Tests of the evaluator: every condition kind, rule order, stop and continue, fallbacks.

use super::*;
use crate::routing::facts::age_years;

fn facts() -> Facts {
    Facts {
        modality: "CT\\SR".into(),
        sop_class_uid: "1.2.840.10008.5.1.4.1.1.2".into(),
        body_part: "CHEST ".into(),
        study_description: "CT Thorax avec contraste".into(),
        institution: "HÔPITAL SAINT-LUC".into(),
        department: "Urgence".into(),
        calling_ae: "CT_ROOM1".into(),
        called_ae: "PASSERELLE".into(),
        clinic: "MTL01".into(),
        priority: Some(Priority::Stat),
        referring_physician: "Tremblay^Marie".into(),
        patient_age_years: age_years("", "19800615", "20240615"),
        minute_of_day: Some(23 * 60 + 15),
    }
}

fn holds(when: Condition, facts: &Facts) -> bool {
    let rule = Rule {
        name: "r".into(),
        enabled: true,
        action: Action::Continue,
        fallback: false,
        destinations: vec!["D".into()],
        when,
    };
    !Compiled::new(&[rule]).route(facts).matched.is_empty()
}

fn eq(field: Field, value: &str) -> Condition {
    Condition::Equals {
        field,
        value: value.into(),
    }
}

fn matches(field: Field, pattern: &str) -> Condition {
    Condition::Matches {
        field,
        pattern: pattern.into(),
    }
}

fn time(from: &str, to: &str) -> Condition {
    Condition::TimeBetween {
        from: from.into(),
        to: to.into(),
    }
}

fn age(min: Option<u32>, max: Option<u32>) -> Condition {
    Condition::AgeBetween { min, max }
}

#[test]
fn text_conditions() {
    let f = facts();
    let contains = |field, v: &str| Condition::Contains {
        field,
        value: v.into(),
    };
    let one_of = |field, v: &[&str]| Condition::OneOf {
        field,
        values: v.iter().map(|s| (*s).to_owned()).collect(),
    };
    for (when, expected) in [
        (eq(Field::Modality, "ct"), true),
        (eq(Field::Modality, " SR "), true),
        (eq(Field::Modality, "MR"), false),
        (eq(Field::Modality, "CT\\SR"), false),
        (eq(Field::BodyPart, "chest"), true),
        (eq(Field::Institution, "hôpital saint-luc"), true),
        (eq(Field::StudyDescription, "CT"), false),
        (eq(Field::CallingAe, "ct_room1"), true),
        (eq(Field::CalledAe, "PASSERELLE"), true),
        (eq(Field::Clinic, "mtl02"), false),
        (eq(Field::SopClass, "1.2.840.10008.5.1.4.1.1.2"), true),
        (eq(Field::Department, "URGENCE"), true),
        (one_of(Field::Modality, &["MR", "sr"]), true),
        (one_of(Field::Modality, &["MR", "US"]), false),
        (one_of(Field::Clinic, &["MTL01", "QC02"]), true),
        (contains(Field::StudyDescription, "THORAX"), true),
        (contains(Field::StudyDescription, "abdomen"), false),
        (contains(Field::Institution, "saint-luc"), true),
        (contains(Field::ReferringPhysician, "tremblay"), true),
        (matches(Field::StudyDescription, "thorax.*contraste$"), true),
        (matches(Field::StudyDescription, "^thorax"), false),
        (matches(Field::Institution, "^hôpital"), true),
        (matches(Field::BodyPart, "^chest$"), true),
        (matches(Field::BodyPart, "(?-i)^chest$"), false),
        (matches(Field::Modality, r"(^|\\)SR($|\\)"), true),
        (matches(Field::Modality, "(unclosed"), false),
    ] {
        assert_eq!(holds(when.clone(), &f), expected, "{when:?}");
    }
}

#[test]
fn age_time_priority_conditions() {
    let f = facts();
    assert_eq!(f.patient_age_years, Some(44));
    let unknown = Facts {
        patient_age_years: None,
        minute_of_day: None,
        priority: None,
        ..facts()
    };
    for (when, on_facts, on_unknown) in [
        (age(Some(18), None), true, false),
        (age(None, Some(44)), true, false),
        (age(Some(44), Some(44)), true, false),
        (age(Some(45), None), false, false),
        (age(None, Some(17)), false, false),
        (age(None, None), true, false),
        (time("22:00", "07:00"), true, false),
        (time("23:15", "23:16"), true, false),
        (time("08:00", "23:15"), false, false),
        (time("00:00", "23:59"), true, false),
        (time("07:00", "22:00"), false, false),
        (
            Condition::PriorityIn {
                values: vec![Priority::Stat, Priority::High],
            },
            true,
            false,
        ),
        (
            Condition::PriorityIn {
                values: vec![Priority::Routine],
            },
            false,
            false,
        ),
        (Condition::Always, true, true),
    ] {
        assert_eq!(holds(when.clone(), &f), on_facts, "{when:?}");
        assert_eq!(
            holds(when.clone(), &unknown),
            on_unknown,
            "{when:?} on unknown facts"
        );
    }
}

#[test]
fn time_window_wraps_midnight() {
    let night = time("22:00", "07:00");
    for (minute, expected) in [
        (21 * 60 + 59, false),
        (22 * 60, true),
        (23 * 60 + 59, true),
        (0, true),
        (6 * 60 + 59, true),
        (7 * 60, false),
        (12 * 60, false),
        (1440, false),
    ] {
        let f = Facts {
            minute_of_day: Some(minute),
            ..Facts::default()
        };
        assert_eq!(holds(night.clone(), &f), expected, "minute {minute}");
    }
}

#[test]
fn groups_combine() {
    let f = facts();
    let ct = eq(Field::Modality, "CT");
    let mr = eq(Field::Modality, "MR");
    let not = |c: Condition| Condition::Not { of: Box::new(c) };
    for (when, expected) in [
        (
            Condition::All {
                of: vec![ct.clone(), age(Some(18), None)],
            },
            true,
        ),
        (
            Condition::All {
                of: vec![ct.clone(), mr.clone()],
            },
            false,
        ),
        (
            Condition::Any {
                of: vec![mr.clone(), ct.clone()],
            },
            true,
        ),
        (
            Condition::Any {
                of: vec![mr.clone()],
            },
            false,
        ),
        (not(mr.clone()), true),
        (not(ct.clone()), false),
        (Condition::All { of: vec![] }, false),
        (not(Condition::Any { of: vec![] }), false),
        (not(matches(Field::BodyPart, "[")), false),
        (not(time("25:00", "01:00")), false),
    ] {
        assert_eq!(holds(when.clone(), &f), expected, "{when:?}");
    }
}

fn rule(name: &str, when: Condition, dests: &[&str], action: Action) -> Rule {
    Rule {
        name: name.into(),
        enabled: true,
        action,
        fallback: false,
        destinations: dests.iter().map(|d| (*d).to_owned()).collect(),
        when,
    }
}

fn fallback(name: &str, when: Condition, dests: &[&str]) -> Rule {
    Rule {
        fallback: true,
        ..rule(name, when, dests, Action::Continue)
    }
}

#[test]
fn continue_accumulates_and_stop_ends() {
    use Action::*;
    let rules = [
        rule("ct", eq(Field::Modality, "CT"), &["PACS", "AI"], Continue),
        rule(
            "stat",
            Condition::PriorityIn {
                values: vec![Priority::Stat],
            },
            &["AI", "READ"],
            Stop,
        ),
        rule("all", Condition::Always, &["ARCHIVE"], Continue),
    ];
    let route = Compiled::new(&rules).route(&facts());
    assert_eq!(
        route.destinations,
        ["PACS", "AI", "READ"],
        "deduplicated, first-seen order"
    );
    assert_eq!(route.origins, ["ct", "ct", "stat"]);
    assert_eq!(route.matched, ["ct", "stat"]);
    assert!(!route.fallback_used);
    let pairs: Vec<_> = route.pairs().collect();
    assert_eq!(pairs[2], ("READ", "stat"));

    let routine = Facts {
        priority: Some(Priority::Routine),
        ..facts()
    };
    let route = Compiled::new(&rules).route(&routine);
    assert_eq!(route.destinations, ["PACS", "AI", "ARCHIVE"]);
    assert_eq!(route.matched, ["ct", "all"]);
}

#[test]
fn fallback_only_when_nothing_matched() {
    let rules = [
        fallback("fb-mr", eq(Field::Modality, "MR"), &["MR_ARCHIVE"]),
        rule(
            "us",
            eq(Field::Modality, "US"),
            &["US_PACS"],
            Action::Continue,
        ),
        fallback("fb-any", Condition::Always, &["ARCHIVE"]),
        fallback("fb-late", Condition::Always, &["NEVER"]),
    ];
    let compiled = Compiled::new(&rules);
    let us = Facts {
        modality: "US".into(),
        ..Facts::default()
    };
    let route = compiled.route(&us);
    assert_eq!(
        (route.destinations.as_slice(), route.fallback_used),
        (&["US_PACS".to_owned()][..], false)
    );

    let route = compiled.route(&facts());
    assert_eq!(
        route.destinations,
        ["ARCHIVE"],
        "first matching fallback only"
    );
    assert_eq!(route.matched, ["fb-any"]);
    assert!(route.fallback_used);

    let mr = Facts {
        modality: "MR".into(),
        ..Facts::default()
    };
    assert_eq!(compiled.route(&mr).destinations, ["MR_ARCHIVE"]);

    let stop_without_destinations = [
        rule("drop", eq(Field::Modality, "CT"), &[], Action::Stop),
        fallback("fb", Condition::Always, &["ARCHIVE"]),
    ];
    let route = Compiled::new(&stop_without_destinations).route(&facts());
    assert_eq!(
        route.destinations,
        Vec::<String>::new(),
        "a matched rule suppresses fallbacks"
    );
    assert_eq!(route.matched, ["drop"]);
}

#[test]
fn disabled_rules_are_ignored() {
    let mut off = rule("off", Condition::Always, &["X"], Action::Stop);
    off.enabled = false;
    let mut off_fallback = fallback("off-fb", Condition::Always, &["Y"]);
    off_fallback.enabled = false;
    let rules = [
        off,
        rule("ct", eq(Field::Modality, "CT"), &["PACS"], Action::Continue),
        off_fallback,
    ];
    let compiled = Compiled::new(&rules);
    assert_eq!(compiled.route(&facts()).destinations, ["PACS"]);
    let route = compiled.route(&Facts::default());
    assert_eq!(
        route,
        Route::default(),
        "nothing matched, no enabled fallback"
    );
}

#[test]
fn layered_rule_sets_route_clinic_first() {
    let clinic = [rule(
        "clinic-ct",
        eq(Field::Modality, "CT"),
        &["CLINIC_PACS"],
        Action::Stop,
    )];
    let global = [rule(
        "global",
        Condition::Always,
        &["CENTRAL"],
        Action::Continue,
    )];
    let compiled = Compiled::from(&RuleSet::layered(&clinic, &global));
    assert_eq!(compiled.route(&facts()).destinations, ["CLINIC_PACS"]);
    let mr = Facts {
        modality: "MR".into(),
        ..Facts::default()
    };
    assert_eq!(compiled.route(&mr).destinations, ["CENTRAL"]);
}

#[test]
fn twenty_rules_route_quickly() {
    let rules: Vec<Rule> = (0..20)
        .map(|i| {
            let when = Condition::All {
                of: vec![
                    eq(Field::Clinic, &format!("C{i}")),
                    matches(Field::StudyDescription, "thorax|chest"),
                    Condition::Contains {
                        field: Field::Institution,
                        value: "luc".into(),
                    },
                ],
            };
            rule(&format!("r{i}"), when, &["D"], Action::Continue)
        })
        .collect();
    let compiled = Compiled::new(&rules);
    let f = facts();
    let start = std::time::Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(compiled.route(std::hint::black_box(&f)));
    }
    // Generous bound (unoptimised test build on a shared machine): 1000 routes well under 1 s.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}
