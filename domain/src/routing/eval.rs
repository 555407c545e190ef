//! The evaluator: an ordered rule list compiled once (regexes built, values folded), then
//! applied to the facts of each received instance to get its destinations.

use super::facts::{Facts, Priority};
use super::model::{Action, Condition, Field, Rule, RuleSet};
use super::text::{build_regex, contains_folded, eq_folded, fold, parse_hhmm, regex_matches};
use super::validate::condition_errors;
use regex_lite::Regex;
use serde::{Deserialize, Serialize};

/// Where one instance goes, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination names, without duplicates, in the order rules first named them.
    pub destinations: Vec<String>,
    /// For each entry of `destinations` (same index), the rule that first named it.
    pub origins: Vec<String>,
    /// Names of the rules that applied, in evaluation order.
    pub matched: Vec<String>,
    /// Whether the destinations come from a fallback rule (no ordinary rule matched).
    pub fallback_used: bool,
}

impl Route {
    /// (destination, rule that first named it) pairs.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.destinations
            .iter()
            .zip(&self.origins)
            .map(|(d, r)| (d.as_str(), r.as_str()))
    }

    fn apply(&mut self, rule: &CompiledRule) {
        self.matched.push(rule.name.clone());
        for dest in &rule.destinations {
            if !self.destinations.contains(dest) {
                self.destinations.push(dest.clone());
                self.origins.push(rule.name.clone());
            }
        }
    }
}

/// A condition ready to evaluate.
#[derive(Debug, Clone)]
enum Node {
    Never,
    Always,
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Equals(Field, String),
    OneOf(Field, Vec<String>),
    Contains(Field, String),
    Matches(Field, Regex),
    Age(Option<u32>, Option<u32>),
    Time(u16, u16),
    Priority(Vec<Priority>),
}

#[derive(Debug, Clone)]
struct CompiledRule {
    name: String,
    destinations: Vec<String>,
    action: Action,
    when: Node,
}

/// An ordered rule list ready to route. Disabled rules are left out; a rule whose condition
/// is invalid (what [`super::validate`] reports, e.g. a bad regex) never matches.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    ordinary: Vec<CompiledRule>,
    fallbacks: Vec<CompiledRule>,
}

impl Compiled {
    /// Compiles `rules` in order (for a clinic, see [`RuleSet::layered`]).
    pub fn new(rules: &[Rule]) -> Compiled {
        let mut out = Compiled::default();
        for rule in rules.iter().filter(|r| r.enabled) {
            let compiled = CompiledRule {
                name: rule.name.clone(),
                destinations: rule.destinations.clone(),
                action: rule.action,
                when: if condition_errors(&rule.when).is_empty() {
                    compile(&rule.when)
                } else {
                    Node::Never
                },
            };
            if rule.fallback {
                out.fallbacks.push(compiled);
            } else {
                out.ordinary.push(compiled);
            }
        }
        out
    }

    /// Walks the ordinary rules in order: each match adds its destinations, a match whose
    /// action is `stop` ends the walk. Only when no ordinary rule matched, the first matching
    /// fallback rule (in order) applies.
    pub fn route(&self, facts: &Facts) -> Route {
        let mut route = Route::default();
        for rule in &self.ordinary {
            if rule.when.eval(facts) {
                route.apply(rule);
                if rule.action == Action::Stop {
                    break;
                }
            }
        }
        if route.matched.is_empty()
            && let Some(rule) = self.fallbacks.iter().find(|r| r.when.eval(facts))
        {
            route.apply(rule);
            route.fallback_used = true;
        }
        route
    }
}

impl From<&RuleSet> for Compiled {
    fn from(set: &RuleSet) -> Compiled {
        Compiled::new(&set.rules)
    }
}

fn compile(cond: &Condition) -> Node {
    match cond {
        Condition::All { of } => Node::All(of.iter().map(compile).collect()),
        Condition::Any { of } => Node::Any(of.iter().map(compile).collect()),
        Condition::Not { of } => Node::Not(Box::new(compile(of))),
        Condition::Equals { field, value } => Node::Equals(*field, fold(value)),
        Condition::OneOf { field, values } => {
            Node::OneOf(*field, values.iter().map(|v| fold(v)).collect())
        }
        Condition::Contains { field, value } => Node::Contains(*field, fold(value)),
        Condition::Matches { field, pattern } => match build_regex(pattern) {
            Ok(re) => Node::Matches(*field, re),
            Err(_) => Node::Never,
        },
        Condition::AgeBetween { min, max } => Node::Age(*min, *max),
        Condition::TimeBetween { from, to } => match (parse_hhmm(from), parse_hhmm(to)) {
            (Some(f), Some(t)) => Node::Time(f, t),
            _ => Node::Never,
        },
        Condition::PriorityIn { values } => Node::Priority(values.clone()),
        Condition::Always => Node::Always,
    }
}

/// Whether the fact equals the folded value; Modality compares each `\`-separated value.
fn field_equals(facts: &Facts, field: Field, folded: &str) -> bool {
    let text = facts.text(field);
    if field == Field::Modality {
        text.split('\\').any(|v| eq_folded(v, folded))
    } else {
        eq_folded(text, folded)
    }
}

impl Node {
    fn eval(&self, facts: &Facts) -> bool {
        match self {
            Node::Never => false,
            Node::Always => true,
            Node::All(of) => of.iter().all(|n| n.eval(facts)),
            Node::Any(of) => of.iter().any(|n| n.eval(facts)),
            Node::Not(of) => !of.eval(facts),
            Node::Equals(field, value) => field_equals(facts, *field, value),
            Node::OneOf(field, values) => values.iter().any(|v| field_equals(facts, *field, v)),
            Node::Contains(field, value) => contains_folded(facts.text(*field), value),
            Node::Matches(field, re) => regex_matches(re, facts.text(*field)),
            Node::Age(min, max) => facts
                .patient_age_years
                .is_some_and(|age| min.is_none_or(|m| age >= m) && max.is_none_or(|m| age <= m)),
            Node::Time(from, to) => facts.minute_of_day.is_some_and(|m| {
                m < 1440
                    && if from <= to {
                        *from <= m && m < *to
                    } else {
                        m >= *from || m < *to
                    }
            }),
            Node::Priority(values) => facts.priority.is_some_and(|p| values.contains(&p)),
        }
    }
}

#[cfg(test)]
mod tests;
