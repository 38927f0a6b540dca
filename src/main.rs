//! The `storedesk` command: serve, migrate, seed, back up and restore, copy to another
//! database, export the schema, create staff.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use entity::account::Role;
use sea_orm::ActiveEnum;
use sea_orm::DbBackend;
use secrecy::SecretString;
use storedesk::auth::RequestMeta;
use storedesk::config::{AttachmentStorage, Settings};
use storedesk::{Application, accounts, graphql, prepare_state, seed, system_clock, telemetry};
use storedesk::{backup, db};

/// mimalloc instead of glibc's malloc: profiles of the server under load spent a quarter of
/// their time in glibc's malloc and free, and glibc keeps an arena per thread that grows
/// with the threads a login storm wakes (BENCHMARKS.md). Built without transparent huge
/// pages (`no_thp`): with them, the arenas it commits up front cost 45 MiB of resident
/// memory at rest.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "storedesk",
    version,
    about = "Customer center for online marketplaces"
)]
struct Cli {
    /// Optional TOML configuration file (environment variables override it).
    #[arg(long, global = true, env = "STOREDESK_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with demo data.
    Seed {
        /// The demo world (`src/seed/demo.toml`): accounts, orders in every state, a support
        /// queue and the FAQ.
        #[arg(long)]
        demo: bool,
    },
    /// Write a consistent copy of the SQLite database to a new file (safe while the server
    /// runs). PostgreSQL: use pg_dump (see RELIABILITY.md).
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put an SQLite backup in place in an empty data dir, check it, and migrate it.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Copy every row of the configured database into an empty other one (e.g. SQLite to
    /// PostgreSQL), attachments included, then compare every table.
    CopyDatabase {
        /// The target database URL, e.g. postgres://user@host/storedesk.
        #[arg(long)]
        to: String,
    },
    /// Print the GraphQL schema (SDL).
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load-test tools (BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Create an agent or admin; the password is read from standard input.
    CreateStaff {
        /// Email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// AGENT or ADMIN.
        #[arg(long, value_enum)]
        role: StaffRole,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Fill an empty database with a large, deterministic dataset (every account's password
    /// is `bench password 2026`).
    Seed(BenchSeedArgs),
}

#[derive(Args)]
struct BenchSeedArgs {
    /// Orders, in every state, over the last year.
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Tickets, in every category and status, over the last two years.
    #[arg(long, default_value_t = 2_000)]
    tickets: usize,
    /// FAQ entries, half Korean, half English.
    #[arg(long, default_value_t = 200)]
    faq: usize,
    /// Buyers and sellers (one seller per 200); 40 agents and an admin come on top.
    #[arg(long, default_value_t = 1_000)]
    accounts: usize,
    /// Database URL (overrides DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
    /// The random seed: the same seed gives the same rows.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

#[derive(Args, Default)]
struct ServeArgs {
    /// Listen address (overrides STOREDESK_BIND).
    #[arg(long)]
    bind: Option<String>,
    /// Database URL (overrides DATABASE_URL).
    #[arg(long)]
    database_url: Option<String>,
    /// Data directory (overrides STOREDESK_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seed demo data when the database is empty.
    #[arg(long)]
    demo: bool,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
enum StaffRole {
    Agent,
    Admin,
}

fn main() -> anyhow::Result<()> {
    // SAFETY: start-up, one thread, before anything has opened a database.
    #[allow(unsafe_code)]
    let sqlite_allocator = unsafe { db::allocate_sqlite_with_mimalloc() };
    // Refused only if something opened a database before this line: a bug, found by every
    // test that starts the server.
    sqlite_allocator.map_err(|code| anyhow::anyhow!("SQLite refused its allocator ({code})"))?;
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Serve(args) = &command {
        if let Some(bind) = &args.bind {
            settings.bind = bind.clone();
        }
        if let Some(url) = &args.database_url {
            settings.database_url = Some(url.clone());
        }
        if let Some(dir) = &args.data_dir {
            settings.data_dir = dir.clone();
        }
    }
    if let Command::Bench(BenchCommand::Seed(args)) = &command
        && let Some(url) = &args.database_url
    {
        settings.database_url = Some(url.clone());
    }
    if let Command::ExportSchema { out } = &command {
        let sdl = graphql::sdl();
        match out {
            Some(path) => std::fs::write(path, sdl)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => print!("{sdl}"),
        }
        return Ok(());
    }
    telemetry::init(settings.mode);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(command, settings))
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match &command {
        Command::Backup { out } => return backup(&settings, out).await,
        Command::Restore { file } => return restore(&settings, file).await,
        Command::CopyDatabase { to } => return copy_database(&settings, to).await,
        _ => {}
    }
    let mode = settings.mode;
    let state = prepare_state(settings, system_clock()).await?;
    match command {
        Command::Serve(args) => {
            if args.demo && seed::is_empty(&state).await? {
                let created = seed::seed_demo(&state).await?;
                seed::print_credentials(&created);
            }
            let app = Application::from_state(state)?;
            tracing::info!(port = app.port(), mode = ?mode, "storedesk is listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => tracing::info!("migrations applied"),
        Command::Seed { demo } => {
            if !demo {
                bail!("say what to seed: --demo");
            }
            let created = seed::seed_demo(&state).await?;
            seed::print_credentials(&created);
        }
        Command::CreateStaff { email, name, role } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let role = match role {
                StaffRole::Agent => Role::Agent,
                StaffRole::Admin => Role::Admin,
            };
            let input = accounts::service::NewStaff {
                email,
                name,
                role,
                password: SecretString::from(password),
            };
            let meta = RequestMeta {
                ip: None,
                user_agent: Some("storedesk create-staff".into()),
            };
            let account = accounts::service::create_staff(&state, &meta, None, input)
                .await
                .map_err(|err| anyhow::anyhow!(err.message()))?;
            println!("created {} {}", account.role.to_value(), account.email);
        }
        Command::Bench(BenchCommand::Seed(args)) => {
            let size = storedesk::dataset::Size {
                orders: args.orders,
                tickets: args.tickets,
                faq: args.faq,
                accounts: args.accounts,
            };
            let report = storedesk::dataset::build(&state, size, args.seed).await?;
            for (table, rows) in &report.rows {
                println!("{table:<24} {rows:>10} rows");
            }
            println!(
                "dataset built in {:.1} s ({} sellers, {} buyers, {} agents; password: {})",
                report.seconds,
                report.sellers,
                report.buyers,
                storedesk::dataset::AGENTS,
                storedesk::dataset::PASSWORD
            );
        }
        Command::ExportSchema { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::CopyDatabase { .. } => {}
    }
    Ok(())
}

async fn backup(settings: &Settings, out: &std::path::Path) -> anyhow::Result<()> {
    let (db, _) = db::connect(&settings.effective_database_url()).await?;
    backup::backup_sqlite(&db, out).await?;
    println!("backed up to {}", out.display());
    if settings.attachment_storage != AttachmentStorage::Database {
        println!(
            "attachment files are not in the database: copy {} as well",
            settings.data_dir.join("attachments").display()
        );
    }
    Ok(())
}

async fn restore(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let url = settings.effective_database_url();
    let Some(path) = settings.sqlite_file() else {
        bail!(
            "storedesk restore puts SQLite backups in place; for PostgreSQL use pg_restore (see RELIABILITY.md)"
        );
    };
    backup::restore_sqlite(file, &path).await?;
    let (db, _) = db::connect(&url).await?;
    db::migrate(&db).await?;
    let files = settings.data_dir.join("attachments");
    let missing = backup::missing_attachments(&db, Some(&files)).await?;
    println!("restored {} into {}", file.display(), path.display());
    if !missing.is_empty() {
        println!(
            "{} attachment file(s) are missing: copy the old data dir's attachments/ into {}",
            missing.len(),
            files.display()
        );
    }
    Ok(())
}

async fn copy_database(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let (from, _) = db::connect(&settings.effective_database_url()).await?;
    db::migrate(&from).await?;
    let (target, _) = db::connect(to).await?;
    db::migrate(&target).await?;
    let in_database = match settings.attachment_storage {
        AttachmentStorage::Database => true,
        AttachmentStorage::Files => false,
        AttachmentStorage::Auto => target.get_database_backend() == DbBackend::Postgres,
    };
    let attachments = settings.data_dir.join("attachments");
    let copied = backup::copy_database(&from, &target, &attachments, in_database).await?;
    let compared = backup::compare(&from, &target).await?;
    for (copy, check) in copied.iter().zip(&compared) {
        println!("{:<24} {:>9} rows", copy.table, copy.right);
        // Files of the source became rows of the target: checked below instead.
        let moved_files = in_database && check.table == "attachment_blobs";
        if !check.equal && !moved_files {
            bail!(
                "{} differs after the copy ({} vs {} rows)",
                check.table,
                check.left,
                check.right
            );
        }
    }
    println!(
        "copied into {}; every table compared equal",
        db::redact_url(to)
    );
    Ok(())
}
