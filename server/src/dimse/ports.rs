//! Dedicated ports: a local AE title may also be served on a port of its own. This task follows
//! the AE registry and opens or closes those listeners when the configuration changes. They
//! count against the same association cap as the main listener when given its slots.

use super::registry::AeRegistry;
use super::scp::{DicomListener, ScpConfig};
use crate::ingest::Ingest;
use domain::AeTitle;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

pub struct DedicatedPorts {
    ip: IpAddr,
    cfg: ScpConfig,
    registry: Arc<AeRegistry>,
    ingest: Option<Arc<Ingest>>,
    slots: Option<Arc<Semaphore>>,
    running: HashMap<u16, (AeTitle, JoinHandle<()>)>,
}

impl DedicatedPorts {
    pub fn new(
        ip: IpAddr,
        cfg: ScpConfig,
        registry: Arc<AeRegistry>,
        ingest: Option<Arc<Ingest>>,
    ) -> Self {
        Self {
            ip,
            cfg,
            registry,
            ingest,
            slots: None,
            running: HashMap::new(),
        }
    }

    /// The listeners opened share `slots` (the process's association cap).
    pub fn sharing(mut self, slots: Arc<Semaphore>) -> Self {
        self.slots = Some(slots);
        self
    }

    /// Brings the open ports in line with the registry.
    pub async fn reconcile(&mut self) {
        let wanted: HashMap<u16, AeTitle> = self
            .registry
            .snapshot()
            .locals
            .values()
            .filter(|l| l.enabled)
            .filter_map(|l| l.port.map(|p| (p.get(), l.ae_title.clone())))
            .collect();
        self.running.retain(|port, (ae, task)| {
            let keep = wanted.get(port) == Some(ae);
            if !keep {
                task.abort();
                tracing::info!(port, ae = %ae, "dedicated DICOM port closed");
            }
            keep
        });
        for (port, ae) in wanted {
            if self.running.contains_key(&port) {
                continue;
            }
            let addr = SocketAddr::new(self.ip, port);
            match DicomListener::bind(
                addr,
                self.cfg.clone(),
                self.registry.clone(),
                self.ingest.clone(),
            )
            .await
            {
                Ok(l) => {
                    let l = match &self.slots {
                        Some(slots) => l.sharing(slots.clone()),
                        None => l,
                    };
                    tracing::info!(port, ae = %ae, "dedicated DICOM port open");
                    self.running
                        .insert(port, (ae.clone(), tokio::spawn(l.only(ae).run())));
                }
                Err(e) => {
                    tracing::error!(port, ae = %ae, error = %e, "cannot open the dedicated DICOM port")
                }
            }
        }
    }

    /// Follows the registry until the task is dropped.
    pub async fn run(mut self) {
        let mut changes = self.registry.subscribe();
        loop {
            self.reconcile().await;
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// The ports open now (for tests and the UI).
    pub fn open_ports(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self.running.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

impl Drop for DedicatedPorts {
    fn drop(&mut self) {
        for (_, (_, task)) in self.running.drain() {
            task.abort();
        }
    }
}
