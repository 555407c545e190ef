//! What each CLI command does: serve, migrate (up / down / status), user add, config export /
//! import (the logic of the latter lives in `crate::netconfig`).

use crate::auth::{DbSessionStore, password};
use crate::bootstrap;
use crate::cli::{ConfigAction, EchoArgs, GenerateArgs, MigrateAction, UserAdd};
use crate::config::Config;
use crate::db::users::UserWrite;
use crate::db::{self, clinics, users};
use crate::dimse::scu::{self, Peer};
use crate::dimse::{DedicatedPorts, DicomListener, ScpConfig};
use crate::ingest::Ingest;
use crate::netconfig::{self, ImportOptions, NetConfigError};
use crate::queue::Forwarder;
use crate::state::AppState;
use crate::storage::Spool;
use anyhow::{Context, bail};
use domain::{AeTitle, ClinicCode, DisplayName, Host, NewPassword, Port, Role, Username};
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

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

/// Runs the web server until Ctrl-C / SIGTERM.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    // Before the DICOM listener starts, so that no association goes uncounted.
    crate::telemetry::install();
    let d = &cfg.dicom;
    if d.tls_ca_file.is_some() || d.tls_cert_file.is_some() {
        crate::dimse::tls::install(d).context("DICOM TLS files ([dicom] tls_*)")?;
    }
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await.context("applying migrations")?;
    if let Some(b) = bootstrap::first_start(&db, &cfg).await? {
        match b.generated_password {
            Some(p) => println!(
                "First start: created clinic DEMO and user `admin` with password: {p}\n\
                 (shown once; change it after signing in, or set PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD)"
            ),
            None => println!(
                "First start: created clinic DEMO and user `admin` (password from configuration)."
            ),
        }
    }
    password::warm_up();
    let addr = cfg.server.http_addr;
    let state = AppState::new(db.clone(), cfg);
    state
        .registry
        .reload(&db)
        .await
        .context("loading the DICOM network configuration")?;
    let dicom = start_dicom(&state).await?;
    spawn_housekeeping(&state);
    let router = crate::http::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (server.http_addr)"))?;
    println!("Passerelle listening on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    dicom.abort();
    Ok(())
}

/// Binds the DICOM listener and runs it in the background.
async fn start_dicom(state: &AppState) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let d = &state.config.dicom;
    let spool_dir = state.config.server.data_dir.join("spool");
    let spool = Spool::open_for_ingest(&spool_dir)
        .with_context(|| format!("cannot open the spool in {}", spool_dir.display()))?;
    state
        .router
        .reload(&state.db)
        .await
        .context("cannot load the routing rules")?;
    let ingest = Arc::new(Ingest::new(
        state.db.clone(),
        spool.clone(),
        d.conflict_policy,
        state.router.clone(),
        state.wake.clone(),
    ));
    let _ = state.ingest.set(ingest.clone());
    if state.config.forward.workers {
        let fwd = Forwarder::new(
            state.db.clone(),
            spool.clone(),
            state.config.forward.clone(),
            state.wake.clone(),
        )
        .watching(state.destinations_epoch.clone());
        tokio::spawn(Arc::new(fwd).run());
    }
    spawn_release_sweep(state, spool);
    if state.config.query.workers {
        let runner = crate::qr::RetrieveRunner {
            db: state.db.clone(),
            ingest: ingest.clone(),
            config: state.config.query.clone(),
            max_dataset: d.max_dataset_mib as usize * 1024 * 1024,
            wake: state.retrieve_wake.clone(),
            owner: uuid::Uuid::new_v4().to_string(),
        };
        tokio::spawn(Arc::new(runner).run());
    }
    let scp = ScpConfig {
        max_dataset: d.max_dataset_mib as usize * 1024 * 1024,
        max_associations: d.max_associations as usize,
        max_pdu: d.max_pdu,
        idle_timeout: Duration::from_secs(u64::from(d.idle_timeout_seconds)),
        association_deadline: Duration::from_secs(u64::from(d.association_timeout_seconds)),
    };
    let ports = DedicatedPorts::new(
        d.listen.ip(),
        scp.clone(),
        state.registry.clone(),
        Some(ingest.clone()),
    );
    tokio::spawn(ports.run());
    let listener = DicomListener::bind(d.listen, scp, state.registry.clone(), Some(ingest))
        .await
        .with_context(|| format!("cannot listen on {} (dicom.listen)", d.listen))?;
    let titles: Vec<String> = state
        .registry
        .snapshot()
        .locals
        .keys()
        .map(|a| a.to_string())
        .collect();
    println!(
        "DICOM listener on {} (AE titles: {})",
        d.listen,
        titles.join(", ")
    );
    Ok(tokio::spawn(listener.run()))
}

/// Releases forwarded instances whose retention has passed, every few minutes.
fn spawn_release_sweep(state: &AppState, spool: Spool) {
    let (db, cfg) = (state.db.clone(), state.config.forward.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match crate::queue::release::sweep(&db, &spool, &cfg).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(instances = n, "released forwarded instances from the spool")
                }
                Err(e) => tracing::warn!(error = %e, "release sweep failed"),
            }
        }
    });
}

fn spawn_housekeeping(state: &AppState) {
    let store = DbSessionStore::new(state.db.clone());
    let limiter = state.limiter.clone();
    let (registry, db) = (state.registry.clone(), state.db.clone());
    let router = state.router.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            limiter.prune();
            // Other Passerelle processes on the same database may have changed the network.
            if let Err(e) = registry.reload(&db).await {
                tracing::warn!(error = %e, "could not reload the DICOM network configuration");
            }
            if let Err(e) = router.reload(&db).await {
                tracing::warn!(error = %e, "could not reload the routing rules");
            }
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
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
        reserved_ports: vec![cfg.dicom.listen.port(), cfg.server.http_addr.port()],
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

pub async fn echo(cfg: Config, args: EchoArgs) -> anyhow::Result<()> {
    let (ae, host, port) = parse_target(&args.target)?;
    if args.tls {
        crate::dimse::tls::install(&cfg.dicom).context("DICOM TLS ([dicom] tls_*)")?;
    }
    let calling = AeTitle::parse(&args.aet).context("--aet")?;
    let peer = Peer {
        ae_title: ae.to_string(),
        host: host.to_string(),
        port: port.get(),
        tls: args.tls,
    };
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
