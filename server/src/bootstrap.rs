//! First start: when no account exists, create the demo clinic with its local AE title
//! `PASSERELLE` (open to any caller) and the `admin` account. The password comes from
//! `bootstrap.admin_password` or is generated and printed once.

use crate::auth::password;
use crate::config::Config;
use crate::db::network::{self, LocalAeWrite};
use crate::db::users::UserWrite;
use crate::db::{RepoError, clinics, users};
use domain::{
    AeTitle, CallerPolicy, ClinicCode, ClinicName, DisplayName, NewPassword, Role, Username,
};
use sea_orm::DatabaseConnection;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("bootstrap.admin_password: {0}")]
    Password(#[from] domain::NameError),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("hashing the administrator password failed")]
    Hash,
    #[error("demo setup: {0}")]
    Demo(String),
}

/// What the first start created (the generated password, if any, to print once).
#[derive(Debug)]
pub struct Bootstrapped {
    pub generated_password: Option<String>,
}

/// The demo clinic's code.
pub const DEMO_CLINIC: &str = "DEMO";
/// The demo clinic's local AE title, open to any caller.
pub const DEMO_AE: &str = "PASSERELLE";

pub async fn first_start(
    db: &DatabaseConnection,
    cfg: &Config,
) -> Result<Option<Bootstrapped>, BootstrapError> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match &cfg.bootstrap.admin_password {
        Some(p) => (NewPassword::parse(p)?, None),
        None => {
            let p = password::random_password();
            (NewPassword::parse(&p)?, Some(p))
        }
    };
    let code = ClinicCode::parse(DEMO_CLINIC)?;
    let clinic = match clinics::find_by_code(db, &code).await? {
        Some(c) => c,
        None => clinics::create(db, &code, &ClinicName::parse("Clinique démo")?).await?,
    };
    let hash = password::hash(password.expose().to_owned())
        .await
        .map_err(|_| BootstrapError::Hash)?;
    let write = UserWrite {
        display_name: DisplayName::parse("Administrator")?,
        role: Role::Administrator,
        clinics: vec![clinic.id],
        active: true,
        password_hash: Some(hash),
    };
    users::create(db, &Username::parse("admin")?, write).await?;
    if cfg.bootstrap.demo {
        let ae = LocalAeWrite {
            clinic: clinic.id,
            ae_title: AeTitle::parse(DEMO_AE).map_err(|e| BootstrapError::Demo(e.to_string()))?,
            enabled: true,
            caller_policy: CallerPolicy::Any,
            allowed_callers: vec![],
            port: None,
        };
        network::save_local_ae(db, None, ae).await?;
        if cfg.bootstrap.demo_records {
            crate::workflow::demo::create(db, clinic.id, &cfg.orders.accession_prefix)
                .await
                .map_err(|e| BootstrapError::Demo(e.to_string()))?;
        }
    }
    Ok(Some(Bootstrapped {
        generated_password: generated,
    }))
}
