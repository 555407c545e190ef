//! The AE registry: an in-memory snapshot of the local AE titles and known remote nodes, read
//! synchronously during association negotiation and reloaded after every configuration change
//! (and periodically, for several Passerelle processes sharing one database).

use crate::db::{RepoError, network};
use dicom_ul::association::server::AccessControl;
use dicom_ul::pdu::{AssociationRJServiceUserReason, UserIdentity};
use domain::views::LocalAeView;
use domain::{AeTitle, ClinicId, Scope};
use sea_orm::DatabaseConnection;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// What negotiation needs to know.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub locals: HashMap<AeTitle, LocalAeView>,
    /// AE titles of the remote nodes of each clinic.
    pub known: HashMap<ClinicId, HashSet<AeTitle>>,
}

impl Snapshot {
    /// PS3.8 §9.3.4: the rejection reason, or the clinic of the called AE title.
    pub fn admit(
        &self,
        calling: &str,
        called: &str,
    ) -> Result<ClinicId, AssociationRJServiceUserReason> {
        let called = AeTitle::parse(called)
            .map_err(|_| AssociationRJServiceUserReason::CalledAETitleNotRecognized)?;
        let local = self
            .locals
            .get(&called)
            .filter(|l| l.enabled)
            .ok_or(AssociationRJServiceUserReason::CalledAETitleNotRecognized)?;
        let calling = AeTitle::parse(calling)
            .map_err(|_| AssociationRJServiceUserReason::CallingAETitleNotRecognized)?;
        let known = |a: &AeTitle| self.known.get(&local.clinic).is_some_and(|s| s.contains(a));
        if local
            .caller_policy
            .admits(&calling, &local.allowed_callers, known)
        {
            Ok(local.clinic)
        } else {
            Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized)
        }
    }
}

#[derive(Debug)]
pub struct AeRegistry {
    current: RwLock<Arc<Snapshot>>,
    /// Bumped at every reload, for whoever follows the configuration (dedicated ports).
    version: tokio::sync::watch::Sender<u64>,
}

impl Default for AeRegistry {
    fn default() -> Self {
        Self::new(Snapshot::default())
    }
}

impl AeRegistry {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            current: RwLock::new(Arc::new(snapshot)),
            version: tokio::sync::watch::channel(0).0,
        }
    }

    /// A receiver that wakes at every reload.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.version.subscribe()
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the configuration from the database and swaps it in.
    pub async fn reload(&self, db: &DatabaseConnection) -> Result<(), RepoError> {
        let mut snap = Snapshot::default();
        for l in network::local_aes(db, &Scope::All).await? {
            snap.locals.insert(l.ae_title.clone(), l);
        }
        for n in network::nodes(db, &Scope::All).await? {
            for c in &n.clinics {
                snap.known.entry(*c).or_default().insert(n.ae_title.clone());
            }
        }
        self.replace(snap);
        Ok(())
    }

    /// Swaps in a snapshot and tells the followers.
    pub fn replace(&self, snap: Snapshot) {
        let fresh = Arc::new(snap);
        match self.current.write() {
            Ok(mut g) => *g = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        self.version.send_modify(|v| *v += 1);
    }
}

/// dicom-ul access control over one snapshot (taken when the association request arrives);
/// on a dedicated port only that port's AE title is served.
pub struct RegistryAccess(pub Arc<Snapshot>, pub Option<AeTitle>);

impl AccessControl for RegistryAccess {
    fn check_access(
        &self,
        _this_ae_title: &str,
        calling_ae_title: &str,
        called_ae_title: &str,
        _user_identity: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        if let Some(only) = &self.1
            && AeTitle::parse(called_ae_title).ok().as_ref() != Some(only)
        {
            return Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized);
        }
        self.0.admit(calling_ae_title, called_ae_title).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::CallerPolicy;

    fn ae(s: &str) -> AeTitle {
        AeTitle::parse(s).expect("ae")
    }

    fn local(
        title: &str,
        clinic: i64,
        enabled: bool,
        policy: CallerPolicy,
        listed: &[&str],
    ) -> LocalAeView {
        LocalAeView {
            id: clinic,
            clinic: ClinicId(clinic),
            ae_title: ae(title),
            enabled,
            caller_policy: policy,
            allowed_callers: listed.iter().map(|s| ae(s)).collect(),
            port: None,
        }
    }

    #[test]
    fn admission() {
        let mut s = Snapshot::default();
        for l in [
            local("OPEN", 1, true, CallerPolicy::Any, &[]),
            local("OFF", 1, false, CallerPolicy::Any, &[]),
            local("KNOWN", 2, true, CallerPolicy::KnownNodes, &[]),
            local("LIST", 3, true, CallerPolicy::Listed, &["CT1"]),
        ] {
            s.locals.insert(l.ae_title.clone(), l);
        }
        s.known.entry(ClinicId(2)).or_default().insert(ae("PACS"));
        use AssociationRJServiceUserReason::*;
        assert_eq!(s.admit("ANY", "OPEN"), Ok(ClinicId(1)));
        assert_eq!(s.admit("ANY", "OFF"), Err(CalledAETitleNotRecognized));
        assert_eq!(s.admit("ANY", "NOPE"), Err(CalledAETitleNotRecognized));
        assert_eq!(s.admit("PACS", "KNOWN"), Ok(ClinicId(2)));
        assert_eq!(s.admit("CT1", "KNOWN"), Err(CallingAETitleNotRecognized));
        assert_eq!(s.admit("CT1", "LIST"), Ok(ClinicId(3)));
        assert_eq!(s.admit("PACS", "LIST"), Err(CallingAETitleNotRecognized));
    }
}
