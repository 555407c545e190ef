//! The command line: `passerelle serve | migrate | user add | config export | …` (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "passerelle",
    version,
    about = "Passerelle: routing and workflow layer between PACS and VNAs"
)]
pub struct Cli {
    /// TOML configuration file (values can be overridden by PASSERELLE__SECTION__KEY variables).
    #[arg(long, global = true, env = "PASSERELLE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, spool); overrides `server.data_dir`.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI and APIs (migrations are applied first; first start creates `admin`).
    Serve,
    /// Apply, revert or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Send a C-ECHO to AE@host:port and report the round trip (exit 1 on failure).
    Echo(EchoArgs),
    /// C-FIND on AE@host:port (DCMTK findscu-like): `-k PatientName=DOE*`, level by
    /// `-k QueryRetrieveLevel=SERIES` (default STUDY); prints one block per answer.
    Find(FindArgs),
    /// C-MOVE of the study or series given by `-k` keys from AE@host:port to `--dest`
    /// (DCMTK movescu-like), printing the sub-operation progress.
    Move(MoveArgs),
    /// Write synthetic DICOM studies (CT-like, any size and transfer syntax) for tests and
    /// benchmarks.
    Generate(GenerateArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// DICOMweb access tokens: create (the secret is printed once), list, revoke.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Export or import the network and routing configuration as one TOML file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// The spool of received instances.
    Spool {
        #[command(subcommand)]
        action: SpoolAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpoolAction {
    /// Check every spool copy the index holds against its recorded size and digest; lists the
    /// missing and damaged ones (exit 1 if any). A sender's retry of an instance repairs it.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Write local AE titles, remote nodes, destinations and routing rules as TOML (secrets are
    /// named by environment variable, never written).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make the stored configuration match FILE (items absent from it are removed), in one
    /// transaction. Exit code 65 when the file is invalid; nothing is changed then.
    Import {
        /// The TOML file (as written by `config export`).
        file: PathBuf,
        /// Only show what would be added, changed and removed.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Revert the last migrations.
    Down {
        /// How many migrations to revert.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether they are applied.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Issue a token for an application (or, with --user, acting for that user).
    Create(TokenCreate),
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

#[derive(Debug, Args)]
pub struct TokenCreate {
    /// What the token is for (e.g. "OHIF viewer").
    #[arg(long)]
    pub name: String,
    /// Code of a clinic the token may see (repeat for several).
    #[arg(long = "clinic", required = true)]
    pub clinics: Vec<String>,
    /// The user the token acts for (bounded by that user's clinics and activity).
    #[arg(long)]
    pub user: Option<String>,
    /// Days until the token expires (default: until revoked).
    #[arg(long)]
    pub expires_days: Option<u32>,
    /// Also allow uploads (STOW-RS); without it the token only searches and reads.
    #[arg(long)]
    pub allow_store: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user. The password is read from standard input with --password-stdin, otherwise
    /// one is generated and printed once.
    Add(UserAdd),
}

#[derive(Debug, Args)]
pub struct UserAdd {
    /// Login name (2–64 of a-z 0-9 . _ -).
    #[arg(long)]
    pub username: String,
    /// Full name shown in the UI.
    #[arg(long = "name")]
    pub display_name: String,
    /// administrator, clinic_staff, radiologist or referring_physician.
    #[arg(long)]
    pub role: String,
    /// Code of a clinic the user belongs to (repeat for several).
    #[arg(long = "clinic", required = true)]
    pub clinics: Vec<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct EchoArgs {
    /// The peer, as AE@host:port (IPv6 hosts in brackets: AE@[::1]:104).
    pub target: String,
    /// Our (calling) AE title.
    #[arg(long, default_value = "PASSERELLE")]
    pub aet: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Over DICOM TLS, with the certificates of `[dicom] tls_*` in the configuration.
    #[arg(long)]
    pub tls: bool,
}

/// Options shared by `find` and `move`.
#[derive(Debug, Args)]
pub struct QrCommon {
    /// The PACS, as AE@host:port.
    pub target: String,
    /// Our (calling) AE title.
    #[arg(long, default_value = "PASSERELLE")]
    pub aet: String,
    /// Keys as Keyword=Value or gggg,eeee=Value (an empty value asks for the attribute).
    #[arg(short = 'k', long = "key")]
    pub keys: Vec<String>,
    /// Patient Root information model (default Study Root).
    #[arg(short = 'P', long)]
    pub patient_root: bool,
    /// Give up after this many seconds without an answer.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Over DICOM TLS, with the certificates of `[dicom] tls_*` in the configuration.
    #[arg(long)]
    pub tls: bool,
}

#[derive(Debug, Args)]
pub struct FindArgs {
    #[command(flatten)]
    pub common: QrCommon,
    /// Stop after this many answers (C-CANCEL).
    #[arg(long, default_value_t = 1000)]
    pub max_results: usize,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    #[command(flatten)]
    pub common: QrCommon,
    /// Move Destination AE title (the PACS must know it).
    #[arg(long)]
    pub dest: String,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write the files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of studies.
    #[arg(long, default_value_t = 1)]
    pub studies: usize,
    /// Instances per study.
    #[arg(long, default_value_t = 10)]
    pub instances: usize,
    /// Approximate size of each instance's pixel data, in KiB.
    #[arg(long, default_value_t = 330)]
    pub size_kib: usize,
    /// Transfer syntax: implicit, explicit, big, deflated, jpeg, jpeg-lossless, jpeg-ls, j2k, rle, htj2k.
    #[arg(long, default_value = "explicit")]
    pub ts: String,
}
