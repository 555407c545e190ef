//! How Passerelle reaches a remote node, as plain data: a DICOM peer (AE title, host, port,
//! TLS) and a STOW-RS service (base URL, credentials). Read from the database, used by the
//! DICOM and HTTP clients; no IO here, so the database layer does not depend on the network.

/// Where to send: AE title, host, port, and whether the node requires TLS.
#[derive(Debug, Clone)]
pub struct Peer {
    pub ae_title: String,
    pub host: String,
    pub port: u16,
    /// The node is reached over TLS only (PS3.15 Annex B.1).
    pub tls: bool,
}

/// How to reach a STOW-RS service.
#[derive(Clone, Debug)]
pub struct StowTarget {
    pub base_url: String,
    pub auth: StowAuth,
}

#[derive(Clone)]
pub enum StowAuth {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for StowAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs.
        f.write_str(match self {
            StowAuth::None => "None",
            StowAuth::Basic { .. } => "Basic(…)",
            StowAuth::Bearer(_) => "Bearer(…)",
        })
    }
}
