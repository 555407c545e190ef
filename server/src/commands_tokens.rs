//! The `token` command: issue (secret printed once), list and revoke DICOMweb access tokens on
//! the configured database.

use crate::cli::{TokenAction, TokenCreate};
use crate::commands::open_db;
use crate::config::Config;
use crate::db::{clinics, tokens, users};
use anyhow::{Context, bail};
use domain::tokens::TokenInput;
use domain::{ClinicCode, Scope, Username};

pub async fn token(cfg: Config, action: TokenAction) -> anyhow::Result<()> {
    let db = open_db(&cfg).await?;
    crate::db::migrate_up(&db)
        .await
        .context("applying migrations")?;
    match action {
        TokenAction::Create(args) => create(&db, args).await,
        TokenAction::List => {
            for t in tokens::list(&db, &Scope::All).await? {
                let state = match (t.revoked, t.expired) {
                    (true, _) => "revoked",
                    (false, true) => "expired",
                    (false, false) => "active",
                };
                let access = if t.can_store { "read+upload" } else { "read" };
                println!(
                    "{}\t{}\t{state}\t{access}\tclinics {:?}\tuser {:?}\texpires {:?}",
                    t.id, t.name, t.clinics, t.user_id, t.expires_at_ms
                );
            }
            Ok(())
        }
        TokenAction::Revoke { id } => {
            let t = tokens::revoke(&db, &Scope::All, id)
                .await
                .with_context(|| format!("token {id}"))?;
            println!("token {} ({}) revoked", t.id, t.name);
            Ok(())
        }
    }
}

async fn create(db: &sea_orm::DatabaseConnection, args: TokenCreate) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    for code in &args.clinics {
        let code = ClinicCode::parse(code).context("--clinic")?;
        match clinics::find_by_code(db, &code).await? {
            Some(c) => ids.push(c.id.0),
            None => bail!("--clinic: no clinic with code {code}"),
        }
    }
    let user_id = match &args.user {
        None => None,
        Some(u) => {
            let name = Username::parse(u).context("--user")?;
            let row = users::find_login(db, &name)
                .await?
                .with_context(|| format!("--user: no user {u}"))?;
            Some(row.id.0)
        }
    };
    let input = TokenInput {
        name: args.name,
        user_id,
        clinics: ids,
        expires_in_days: args.expires_days,
        can_store: args.allow_store,
    };
    input.validate()?;
    let (t, secret) = tokens::create(db, &input, "cli").await?;
    println!("{secret}");
    eprintln!(
        "token {} ({}) created; the secret above is shown only once",
        t.id, t.name
    );
    Ok(())
}
