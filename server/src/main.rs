//! The `passerelle` binary: parses the command line and configuration, then runs the command.

use clap::Parser;
use server::cli::{Cli, Command, SpoolAction, UserAction};
use server::commands;
use server::config::Config;
use server::netconfig::NetConfigError;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// sysexits' EX_CONFIG: the configuration is wrong.
const EXIT_CONFIG: u8 = 78;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands other than `serve` print their results on standard output (an exported
    // configuration, a token's secret, C-FIND answers): their logs go to standard error.
    let logs_to_stderr = !matches!(cli.command, Command::Serve);
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(move || -> Box<dyn std::io::Write> {
            if logs_to_stderr {
                Box::new(std::io::stderr())
            } else {
                Box::new(std::io::stdout())
            }
        })
        .init();
    let mut cfg = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Some(dir) = cli.data_dir {
        cfg.server.data_dir = dir;
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Serve => server::commands_serve::serve(cfg).await,
            Command::Echo(args) => commands::echo(cfg, args).await,
            Command::Find(args) => server::commands_qr::find(cfg, args).await,
            Command::Move(args) => server::commands_qr::move_(cfg, args).await,
            Command::Generate(args) => commands::generate(args),
            Command::Migrate { action } => commands::migrate(cfg, action).await,
            Command::User {
                action: UserAction::Add(args),
            } => commands::user_add(cfg, args).await,
            Command::Config { action } => commands::config(cfg, action).await,
            Command::Token { action } => server::commands_tokens::token(cfg, action).await,
            Command::Spool {
                action: SpoolAction::Verify,
            } => server::commands_spool::spool_verify(cfg).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // EX_DATAERR / EX_NOINPUT for a bad configuration file.
            match e.downcast_ref::<NetConfigError>() {
                Some(n) => ExitCode::from(n.exit_code()),
                None => ExitCode::FAILURE,
            }
        }
    }
}
