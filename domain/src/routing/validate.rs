//! Rule validation: collects every problem of a rule, each with a stable code for the UI and
//! the path of the offending part (`when.of[1].pattern`).

use super::model::{Condition, Rule};
use super::text::{build_regex, parse_hhmm};
use serde::{Deserialize, Serialize};

/// Longest rule name, in characters (the database column holds 100).
pub const MAX_NAME_CHARS: usize = 100;
/// Deepest nesting of `all` / `any` / `not` groups.
pub const MAX_DEPTH: usize = 16;

/// One problem in a rule. Serialized with its [`RuleError::code`] in `"code"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RuleError {
    #[error("{path}: a rule needs a name")]
    EmptyName { path: String },
    #[error("{path}: a rule name must be at most {max} characters")]
    NameTooLong { path: String, max: usize },
    #[error("{path}: a rule needs at least one destination")]
    NoDestination { path: String },
    #[error("{path}: unknown destination {name:?}")]
    UnknownDestination { path: String, name: String },
    #[error("{path}: invalid regular expression: {message}")]
    BadRegex { path: String, message: String },
    #[error("{path}: time must be HH:MM between 00:00 and 23:59, not {value:?}")]
    BadTime { path: String, value: String },
    #[error("{path}: the time window is empty (from and to are equal)")]
    EmptyTimeWindow { path: String },
    #[error("{path}: minimum age {min} is greater than maximum age {max}")]
    AgeRange { path: String, min: u32, max: u32 },
    #[error("{path}: the list of values is empty")]
    EmptyList { path: String },
    #[error("{path}: the group has no conditions")]
    EmptyGroup { path: String },
    #[error("{path}: the value is empty")]
    EmptyValue { path: String },
    #[error("{path}: conditions are nested more than {max} levels deep")]
    TooDeep { path: String, max: usize },
}

impl RuleError {
    /// Stable identifier of the kind of problem (for translations).
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::EmptyName { .. } => "empty_name",
            RuleError::NameTooLong { .. } => "name_too_long",
            RuleError::NoDestination { .. } => "no_destination",
            RuleError::UnknownDestination { .. } => "unknown_destination",
            RuleError::BadRegex { .. } => "bad_regex",
            RuleError::BadTime { .. } => "bad_time",
            RuleError::EmptyTimeWindow { .. } => "empty_time_window",
            RuleError::AgeRange { .. } => "age_range",
            RuleError::EmptyList { .. } => "empty_list",
            RuleError::EmptyGroup { .. } => "empty_group",
            RuleError::EmptyValue { .. } => "empty_value",
            RuleError::TooDeep { .. } => "too_deep",
        }
    }

    /// Where in the rule the problem is (`name`, `destinations[0]`, `when.of[1].pattern`).
    pub fn path(&self) -> &str {
        match self {
            RuleError::EmptyName { path }
            | RuleError::NameTooLong { path, .. }
            | RuleError::NoDestination { path }
            | RuleError::UnknownDestination { path, .. }
            | RuleError::BadRegex { path, .. }
            | RuleError::BadTime { path, .. }
            | RuleError::EmptyTimeWindow { path }
            | RuleError::AgeRange { path, .. }
            | RuleError::EmptyList { path }
            | RuleError::EmptyGroup { path }
            | RuleError::EmptyValue { path }
            | RuleError::TooDeep { path, .. } => path,
        }
    }
}

/// Every problem of `rule`, or `Ok`. `known_destinations` says whether a destination name
/// exists (the server passes a lookup in its destination table, the browser one in the list it
/// was sent).
pub fn validate(
    rule: &Rule,
    known_destinations: &dyn Fn(&str) -> bool,
) -> Result<(), Vec<RuleError>> {
    let mut errors = Vec::new();
    let name = rule.name.trim();
    if name.is_empty() {
        errors.push(RuleError::EmptyName {
            path: "name".into(),
        });
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(RuleError::NameTooLong {
            path: "name".into(),
            max: MAX_NAME_CHARS,
        });
    }
    if rule.destinations.is_empty() {
        errors.push(RuleError::NoDestination {
            path: "destinations".into(),
        });
    }
    for (i, dest) in rule.destinations.iter().enumerate() {
        if !known_destinations(dest) {
            errors.push(RuleError::UnknownDestination {
                path: format!("destinations[{i}]"),
                name: dest.clone(),
            });
        }
    }
    check_condition(&rule.when, "when", 0, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The problems of a condition alone (what makes the evaluator treat a rule as never matching).
pub(crate) fn condition_errors(cond: &Condition) -> Vec<RuleError> {
    let mut errors = Vec::new();
    check_condition(cond, "when", 0, &mut errors);
    errors
}

fn check_condition(cond: &Condition, path: &str, depth: usize, errors: &mut Vec<RuleError>) {
    let at = |leaf: &str| format!("{path}.{leaf}");
    match cond {
        Condition::All { of } | Condition::Any { of } if of.is_empty() => {
            errors.push(RuleError::EmptyGroup { path: at("of") });
        }
        Condition::All { of } | Condition::Any { of } => {
            let members = of.iter().enumerate();
            let members = members.map(|(i, c)| (format!("{path}.of[{i}]"), c));
            check_nested(members, path, depth, errors);
        }
        Condition::Not { of } => check_nested([(at("of"), &**of)], path, depth, errors),
        Condition::Equals { value, .. } | Condition::Contains { value, .. } => {
            if value.trim().is_empty() {
                errors.push(RuleError::EmptyValue { path: at("value") });
            }
        }
        Condition::OneOf { values, .. } => {
            if values.is_empty() {
                errors.push(RuleError::EmptyList { path: at("values") });
            }
            for (i, v) in values.iter().enumerate() {
                if v.trim().is_empty() {
                    let path = format!("{path}.values[{i}]");
                    errors.push(RuleError::EmptyValue { path });
                }
            }
        }
        Condition::Matches { pattern, .. } => check_pattern(pattern, &at("pattern"), errors),
        Condition::AgeBetween {
            min: Some(min),
            max: Some(max),
        } if min > max => {
            let (min, max) = (*min, *max);
            errors.push(RuleError::AgeRange {
                path: at("min"),
                min,
                max,
            });
        }
        Condition::TimeBetween { from, to } => check_window(from, to, path, errors),
        Condition::PriorityIn { values } if values.is_empty() => {
            errors.push(RuleError::EmptyList { path: at("values") });
        }
        Condition::AgeBetween { .. } | Condition::PriorityIn { .. } | Condition::Always => {}
    }
}

/// The members of a group (with their paths), one level deeper, unless that is too deep.
fn check_nested<'a>(
    members: impl IntoIterator<Item = (String, &'a Condition)>,
    path: &str,
    depth: usize,
    errors: &mut Vec<RuleError>,
) {
    if depth >= MAX_DEPTH {
        errors.push(RuleError::TooDeep {
            path: path.into(),
            max: MAX_DEPTH,
        });
        return;
    }
    for (member_path, c) in members {
        check_condition(c, &member_path, depth + 1, errors);
    }
}

fn check_pattern(pattern: &str, path: &str, errors: &mut Vec<RuleError>) {
    if pattern.trim().is_empty() {
        errors.push(RuleError::EmptyValue { path: path.into() });
    } else if let Err(message) = build_regex(pattern) {
        errors.push(RuleError::BadRegex {
            path: path.into(),
            message,
        });
    }
}

fn check_window(from: &str, to: &str, path: &str, errors: &mut Vec<RuleError>) {
    let mut parsed = [None, None];
    for (slot, (leaf, value)) in parsed.iter_mut().zip([("from", from), ("to", to)]) {
        *slot = parse_hhmm(value);
        if slot.is_none() {
            errors.push(RuleError::BadTime {
                path: format!("{path}.{leaf}"),
                value: value.into(),
            });
        }
    }
    if let [Some(f), Some(t)] = parsed
        && f == t
    {
        errors.push(RuleError::EmptyTimeWindow { path: path.into() });
    }
}

#[cfg(test)]
mod tests;
