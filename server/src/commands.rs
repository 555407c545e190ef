//! What each CLI command does (`serve` is in `commands_serve`): echo, generate, migrate (up /
//! down / status), user add, config export / import (the logic of the latter lives in
//! `crate::netconfig`).

use crate::auth::password;
use crate::cli::{ConfigAction, EchoArgs, GenerateArgs, MigrateAction, UserAdd};
use crate::config::Config;
use crate::db::users::UserWrite;
use crate::db::{self, clinics, users};
use crate::dimse::scu::{self, Peer};
use crate::netconfig::{self, ImportOptions, NetConfigError};
use anyhow::{Context, bail};
use domain::{AeTitle, ClinicCode, DisplayName, Host, NewPassword, Port, Role, Username};
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// Connects to the configured database, creating the data directory for SQLite.
pub async fn open_db(cfg: &Config) -> anyhow::Result<DatabaseConnection> {
    std::fs::create_dir_all(&cfg.server.data_dir).with_context(|| {
        format!(
            "cannot create data directory {}",
            cfg.server.data_dir.display()
        )
    })?;
    db::connect(&cfg.database_url(), cfg.database.max_connections)
        .await
        .context("cannot open the database (check database.url)")
}

pub async fn migrate(cfg: Config, action: MigrateAction) -> anyhow::Result<()> {
    let db = open_db(&cfg).await?;
    match action {
        MigrateAction::Up => {
            Migrator::up(&db, None).await?;
            println!("migrations applied");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(&db, Some(steps)).await?;
            println!("reverted {steps} migration(s)");
        }
        MigrateAction::Status => {
            let applied: Vec<String> = Migrator::get_applied_migrations(&db)
                .await?
                .iter()
                .map(|m| m.name().to_owned())
                .collect();
            for m in Migrator::migrations() {
                let state = if applied.iter().any(|a| a == m.name()) {
                    "applied"
                } else {
                    "pending"
                };
                println!("{state:8} {}", m.name());
            }
        }
    }
    Ok(())
}

pub async fn user_add(cfg: Config, args: UserAdd) -> anyhow::Result<()> {
    let username = Username::parse(&args.username).context("--username")?;
    let display_name = DisplayName::parse(&args.display_name).context("--name")?;
    let role: Role = args.role.parse().context("--role")?;
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await?;
    let mut ids = Vec::new();
    for code in &args.clinics {
        let code = ClinicCode::parse(code).context("--clinic")?;
        match clinics::find_by_code(&db, &code).await? {
            Some(c) => ids.push(c.id),
            None => bail!("--clinic: no clinic with code {code}"),
        }
    }
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (password::random_password(), true)
    };
    let password = NewPassword::parse(&password).context("password")?;
    let hash = password::hash(password.expose().to_owned()).await?;
    let write = UserWrite {
        display_name,
        role,
        clinics: ids,
        active: true,
        password_hash: Some(hash),
    };
    let user = users::create(&db, &username, write).await?;
    println!("created user {} ({})", user.username, user.role);
    if generated {
        println!("password: {} (shown once)", password.expose());
    }
    Ok(())
}

/// `config export` / `config import`. Errors of the file are `NetConfigError`s (exit code 65).
pub async fn config(cfg: Config, action: ConfigAction) -> anyhow::Result<()> {
    match action {
        ConfigAction::Export { out } => config_export(cfg, out).await,
        ConfigAction::Import { file, dry_run } => {
            let text = std::fs::read_to_string(&file).map_err(|error| NetConfigError::Read {
                path: file.display().to_string(),
                error,
            })?;
            config_import(cfg, &text, dry_run).await
        }
    }
}

async fn config_export(cfg: Config, out: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await.context("applying migrations")?;
    let text = netconfig::export(&db).await?;
    match out {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("--out {}", path.display()))?;
            eprintln!("configuration written to {}", path.display());
        }
    }
    Ok(())
}

async fn config_import(cfg: Config, text: &str, dry_run: bool) -> anyhow::Result<()> {
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await.context("applying migrations")?;
    let env = |name: &str| std::env::var(name).ok();
    let opts = ImportOptions {
        dry_run,
        reserved_ports: cfg.reserved_ports(),
        env: &env,
    };
    let plan = netconfig::import(&db, text, &opts).await?;
    println!("{plan}");
    if dry_run {
        println!("dry run: nothing was changed");
    } else if !plan.is_empty() {
        println!("applied (running servers pick it up within 30 seconds)");
    }
    Ok(())
}

/// Parses `AE@host:port` (host may be `[v6]`).
pub fn parse_target(raw: &str) -> anyhow::Result<(AeTitle, Host, Port)> {
    let (ae, addr) = raw.split_once('@').context("expected AE@host:port")?;
    let (host, port) = addr.rsplit_once(':').context("expected AE@host:port")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ae = AeTitle::parse(ae).context("AE title")?;
    let host = Host::parse(host).context("host")?;
    let port = Port::new(port.parse().context("port")?).context("port")?;
    Ok((ae, host, port))
}

/// The node a command names as `AE@host:port`; with `tls`, reached over DICOM TLS with the
/// `[dicom] tls_*` files of `cfg`.
pub fn target_peer(cfg: &Config, target: &str, tls: bool) -> anyhow::Result<Peer> {
    let (ae, host, port) = parse_target(target)?;
    if tls {
        crate::dimse::tls::install(&cfg.dicom).context("DICOM TLS ([dicom] tls_*)")?;
    }
    Ok(Peer {
        ae_title: ae.to_string(),
        host: host.to_string(),
        port: port.get(),
        tls,
    })
}

pub async fn echo(cfg: Config, args: EchoArgs) -> anyhow::Result<()> {
    let peer = target_peer(&cfg, &args.target, args.tls)?;
    let calling = AeTitle::parse(&args.aet).context("--aet")?;
    let rtt = scu::echo(calling.as_str(), &peer, Duration::from_secs(args.timeout))
        .await
        .with_context(|| format!("C-ECHO to {}", args.target))?;
    println!(
        "C-ECHO to {} succeeded in {:.1} ms",
        args.target,
        rtt.as_secs_f64() * 1000.0
    );
    Ok(())
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    use crate::synth::SynthTs;
    let ts = match args.ts.as_str() {
        "implicit" => SynthTs::ImplicitLe,
        "explicit" => SynthTs::ExplicitLe,
        "big" => SynthTs::ExplicitBe,
        "deflated" => SynthTs::Deflated,
        "jpeg" => SynthTs::JpegBaseline,
        "jpeg-lossless" => SynthTs::JpegLossless,
        "jpeg-ls" => SynthTs::JpegLs,
        "j2k" => SynthTs::Jpeg2000,
        "rle" => SynthTs::Rle,
        "htj2k" => SynthTs::Htj2k,
        other => bail!("--ts: unknown transfer syntax {other:?}"),
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("--out {}", args.out.display()))?;
    let files = crate::synth::write_studies(
        &args.out,
        args.studies,
        args.instances,
        args.size_kib * 1024,
        ts,
    )?;
    println!("wrote {} files to {}", files.len(), args.out.display());
    Ok(())
}
