//! Routing: which destinations a received instance goes to. Facts extracted from the instance,
//! the rule model and its validation, the evaluator, the preview of a rule change, and the
//! data-residency guard.

pub mod draft;
pub mod eval;
pub mod facts;
pub mod model;
pub mod preview;
pub mod residency;
mod text;
pub mod validate;

pub use draft::{Draft, Placed, layered_with, preview_draft};
pub use eval::{Compiled, Route};
pub use facts::{Facts, Priority, age_years, department};
pub use model::{Action, Condition, Field, Rule, RuleSet};
pub use preview::{PreviewRow, StudySample, preview};
pub use residency::{PiaRecord, ResidencyError, residency_check};
pub use validate::{RuleError, validate};
