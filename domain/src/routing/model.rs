//! The rule model as stored and edited: fields, conditions, rules and ordered rule sets. The
//! serde shape is the storage and API format (JSON in the database, TOML in files).

use super::facts::Priority;
use serde::{Deserialize, Serialize};

/// A text fact a condition can test (see [`super::Facts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Modality,
    SopClass,
    BodyPart,
    StudyDescription,
    Institution,
    Department,
    CallingAe,
    CalledAe,
    Clinic,
    ReferringPhysician,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::Modality,
        Field::SopClass,
        Field::BodyPart,
        Field::StudyDescription,
        Field::Institution,
        Field::Department,
        Field::CallingAe,
        Field::CalledAe,
        Field::Clinic,
        Field::ReferringPhysician,
    ];

    /// The serialized name (`"sop_class"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Modality => "modality",
            Field::SopClass => "sop_class",
            Field::BodyPart => "body_part",
            Field::StudyDescription => "study_description",
            Field::Institution => "institution",
            Field::Department => "department",
            Field::CallingAe => "calling_ae",
            Field::CalledAe => "called_ae",
            Field::Clinic => "clinic",
            Field::ReferringPhysician => "referring_physician",
        }
    }
}

/// What a rule tests. Serialized with the kind in `"op"`:
/// `{"op": "equals", "field": "modality", "value": "CT"}`. Text comparisons trim and ignore
/// case (Unicode lower case); unknown facts (`None`) never match the age, time and priority
/// tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every condition holds.
    All { of: Vec<Condition> },
    /// At least one condition holds.
    Any { of: Vec<Condition> },
    /// The condition does not hold.
    Not { of: Box<Condition> },
    /// The field equals the value. For `modality` the fact may be multi-valued (`CT\SR`):
    /// any one of its values equal to `value` is enough.
    Equals { field: Field, value: String },
    /// The field equals one of the values (same comparison as `equals`).
    OneOf { field: Field, values: Vec<String> },
    /// The field contains the value.
    Contains { field: Field, value: String },
    /// The regular expression (regex-lite syntax) finds a match in the field: unanchored
    /// (use `^…$`), case-insensitive unless the pattern says `(?-i)`.
    Matches { field: Field, pattern: String },
    /// The patient's age in whole years is within the inclusive bounds.
    AgeBetween {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// Reception time is in `[from, to)` ("HH:MM", local); wraps midnight when `from > to`.
    TimeBetween { from: String, to: String },
    /// The requested priority is one of these.
    PriorityIn { values: Vec<Priority> },
    /// Always holds (catch-all rules).
    Always,
}

/// What happens after a rule matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// No later rule is evaluated.
    Stop,
    /// Later rules are evaluated too (their destinations add up). The default.
    #[default]
    Continue,
}

fn enabled_by_default() -> bool {
    true
}

/// One routing rule. When omitted in input, `enabled` is true, `action` is `continue` and
/// `fallback` is false. `destinations` are destination names (their stable keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    #[serde(default)]
    pub action: Action,
    /// A fallback rule applies only when no ordinary rule matched (see [`super::Compiled`]).
    #[serde(default)]
    pub fallback: bool,
    pub destinations: Vec<String>,
    /// Last so that TOML writes it as a sub-table after the plain values.
    pub when: Condition,
}

/// Rules in evaluation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    #[serde(default)]
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The list evaluated for an instance received by a clinic: that clinic's rules in their
    /// order, then the global rules in theirs. So a clinic rule that stops hides every global
    /// rule, and a clinic fallback rule is tried before a global one.
    pub fn layered(clinic: &[Rule], global: &[Rule]) -> RuleSet {
        RuleSet {
            rules: clinic.iter().chain(global).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests;
