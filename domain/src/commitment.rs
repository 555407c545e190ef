//! Storage Commitment Push Model (PS3.4 Annex J, SOP class 1.2.840.10008.1.20.1), pure: what an
//! N-ACTION-RQ asks (§J.3.2: Transaction UID, Referenced SOP Sequence), checked, and the
//! N-EVENT-REPORT it earns (§J.3.3): every instance held durably is committed, the others fail
//! with the reason of Table J.3-2 (0112 no such object, 0119 class / instance conflict).

/// Storage Commitment Push Model SOP Class and its well-known SOP Instance (PS3.4 §J.3.1).
pub const PUSH_MODEL: &str = "1.2.840.10008.1.20.1";
pub const PUSH_MODEL_INSTANCE: &str = "1.2.840.10008.1.20.1.1";
/// Action Type ID "Request Storage Commitment" (§J.3.2.1).
pub const REQUEST_COMMITMENT: u16 = 1;
/// Event Type IDs of the N-EVENT-REPORT (§J.3.3.1).
pub const ALL_COMMITTED: u16 = 1;
pub const SOME_FAILED: u16 = 2;
/// Failure Reasons (0008,1197), PS3.4 Table J.3-2.
pub const NO_SUCH_OBJECT: u16 = 0x0112;
pub const CLASS_INSTANCE_CONFLICT: u16 = 0x0119;

/// One SOP instance named in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub sop_class: String,
    pub sop_instance: String,
}

/// A checked N-ACTION request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub transaction_uid: String,
    pub references: Vec<Reference>,
}

/// Why an N-ACTION-RQ is refused (its N-ACTION-RSP status, PS3.7 §10.1.4.1.10).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitmentError {
    #[error("Action Type ID {0} is not 1 (Request Storage Commitment)")]
    ActionType(u16),
    #[error("Transaction UID (0008,1195) is missing or not a UID")]
    Transaction,
    #[error("Referenced SOP Sequence (0008,1199) is missing or empty")]
    NoReferences,
    #[error("a Referenced SOP Sequence item lacks its SOP class or instance UID")]
    Reference,
}

impl CommitmentError {
    /// PS3.7 Annex C: 0123 no such action, 0120 missing attribute, 0106 invalid value.
    pub fn status(&self) -> u16 {
        match self {
            CommitmentError::ActionType(_) => 0x0123,
            CommitmentError::NoReferences => 0x0120,
            CommitmentError::Transaction | CommitmentError::Reference => 0x0106,
        }
    }
}

/// Checks a request's action type, Transaction UID and references.
pub fn check(
    action_type: u16,
    transaction_uid: &str,
    references: Vec<Reference>,
) -> Result<Request, CommitmentError> {
    if action_type != REQUEST_COMMITMENT {
        return Err(CommitmentError::ActionType(action_type));
    }
    if !crate::query::is_uid(transaction_uid) {
        return Err(CommitmentError::Transaction);
    }
    if references.is_empty() {
        return Err(CommitmentError::NoReferences);
    }
    if references
        .iter()
        .any(|r| !crate::query::is_uid(&r.sop_class) || !crate::query::is_uid(&r.sop_instance))
    {
        return Err(CommitmentError::Reference);
    }
    Ok(Request {
        transaction_uid: transaction_uid.to_owned(),
        references,
    })
}

/// The outcome of a request: the committed references and the failed ones with their reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub committed: Vec<Reference>,
    pub failed: Vec<(Reference, u16)>,
}

impl Outcome {
    /// The Event Type ID of the N-EVENT-REPORT.
    pub fn event_type(&self) -> u16 {
        if self.failed.is_empty() {
            ALL_COMMITTED
        } else {
            SOME_FAILED
        }
    }
}

/// Decides each reference from `held(sop_instance)`: the SOP class of the instance held
/// durably under that UID in the caller's clinic, if any.
pub fn decide(req: &Request, held: impl Fn(&str) -> Option<String>) -> Outcome {
    let mut out = Outcome::default();
    for r in &req.references {
        match held(&r.sop_instance) {
            Some(class) if class == r.sop_class => out.committed.push(r.clone()),
            Some(_) => out.failed.push((r.clone(), CLASS_INSTANCE_CONFLICT)),
            None => out.failed.push((r.clone(), NO_SUCH_OBJECT)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(class: &str, uid: &str) -> Reference {
        Reference {
            sop_class: class.into(),
            sop_instance: uid.into(),
        }
    }

    #[test]
    fn requests_are_checked() {
        let ok = vec![r("1.2.840.10008.5.1.4.1.1.2", "1.2.3")];
        assert!(check(1, "1.2.9", ok.clone()).is_ok());
        assert_eq!(
            check(2, "1.2.9", ok.clone()).map_err(|e| e.status()),
            Err(0x0123)
        );
        assert_eq!(check(1, "", ok.clone()), Err(CommitmentError::Transaction));
        assert_eq!(
            check(1, "1.2.9", vec![]).map_err(|e| e.status()),
            Err(0x0120)
        );
        let bad = vec![r("", "1.2.3")];
        assert_eq!(check(1, "1.2.9", bad), Err(CommitmentError::Reference));
    }

    #[test]
    fn held_instances_are_committed_and_the_others_fail_with_their_reason() {
        let ct = "1.2.840.10008.5.1.4.1.1.2";
        let mr = "1.2.840.10008.5.1.4.1.1.4";
        let req = check(1, "1.2.9", vec![r(ct, "1.1"), r(mr, "1.2"), r(ct, "1.3")]).expect("ok");
        let o = decide(&req, |uid| match uid {
            "1.1" | "1.2" => Some(ct.to_owned()),
            _ => None,
        });
        assert_eq!(o.committed, vec![r(ct, "1.1")]);
        assert_eq!(
            o.failed,
            vec![
                (r(mr, "1.2"), CLASS_INSTANCE_CONFLICT),
                (r(ct, "1.3"), NO_SUCH_OBJECT)
            ]
        );
        assert_eq!(o.event_type(), SOME_FAILED);
        let all = decide(&req, |_| Some(ct.to_owned()));
        assert_eq!(all.failed, vec![(r(mr, "1.2"), CLASS_INSTANCE_CONFLICT)]);
        let one = check(1, "1.2.9", vec![r(ct, "1.1")]).expect("ok");
        assert_eq!(
            decide(&one, |_| Some(ct.to_owned())).event_type(),
            ALL_COMMITTED
        );
    }
}
