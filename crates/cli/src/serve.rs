//! `carekpi serve`: the HTTP API (see the server crate), and `carekpi user add`: the people who
//! log in to it.

use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use carekpi_server::NewUserRequest;
use carekpi_server::ServerOptions;
use carekpi_server::auth::{Role, Scope, random_hex};
use clap::{Args, Subcommand, ValueEnum};

use crate::failure::Failure;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "CAREKPI_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The largest JSON request body, in MiB.
    #[arg(long, default_value_t = 16)]
    pub max_body_mib: usize,
    /// The largest file upload, in MiB.
    #[arg(long, default_value_t = 256)]
    pub max_upload_mib: usize,
    /// Mark the session cookie Secure (when users reach the server over HTTPS).
    #[arg(long, env = "CAREKPI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// How often to pick up records other writers stored (another server, `carekpi import`), in
    /// milliseconds.
    #[arg(long, default_value_t = 250)]
    pub sync_ms: u64,
}

impl ServeArgs {
    pub fn options(&self, db: &str) -> ServerOptions {
        ServerOptions {
            addr: self.addr,
            db: db.to_string(),
            max_body_bytes: self.max_body_mib << 20,
            max_upload_bytes: self.max_upload_mib << 20,
            sync_interval: Duration::from_millis(self.sync_ms.max(10)),
            secure_cookies: self.secure_cookies,
            ..ServerOptions::default()
        }
    }
}

pub async fn run(db: &str, args: ServeArgs) -> Result<(), Failure> {
    serve(args.options(db)).await
}

/// Start the server and run until Ctrl-C or SIGTERM; then let in-flight requests finish.
pub async fn serve(options: ServerOptions) -> Result<(), Failure> {
    eprintln!("carekpi serve: loading the records …");
    let server = carekpi_server::start(options)
        .await
        .map_err(Failure::database)?;
    let counts = server.state.engine().counts();
    let total: usize = counts.values().sum();
    println!(
        "CareKPI is listening on http://{} ({} records loaded). API docs: http://{}/api/docs. Ctrl-C stops it.",
        server.addr,
        crate::summary::group_digits(total as u64),
        server.addr
    );
    shutdown_signal().await;
    eprintln!("carekpi serve: stopping (finishing requests in flight) …");
    server.shutdown().await.map_err(Failure::database)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user who logs in to the web UI and API (the first admin: `user add NAME --admin`).
    Add(UserAddArgs),
    /// List the users.
    List,
    /// Create an API key for a machine (prints the token once).
    Key(KeyArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Ingest,
    Read,
}

#[derive(Args, Debug)]
pub struct KeyArgs {
    /// What the key is for, e.g. "Zendesk sync".
    pub name: String,
    /// What the key may do; repeat for both.
    #[arg(long = "scope", value_enum, required = true)]
    pub scopes: Vec<ScopeArg>,
    /// Print only the token (for scripts).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Admin,
    Manager,
    Agent,
    Viewer,
}

#[derive(Args, Debug)]
pub struct UserAddArgs {
    /// The user name (letters, digits, `.`, `_`, `-`, `@`).
    pub username: String,
    /// Shorthand for --role admin.
    #[arg(long, conflicts_with = "role")]
    pub admin: bool,
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Read the password from the first line of standard input (else one is generated and
    /// printed once).
    #[arg(long)]
    pub password_stdin: bool,
    /// The agent record this user is (role agent).
    #[arg(long)]
    pub agent: Option<String>,
    /// A team this user manages (role manager); repeat for several.
    #[arg(long = "team")]
    pub teams: Vec<String>,
    /// en or vi.
    #[arg(long, default_value = "en")]
    pub language: String,
    #[arg(long)]
    pub display_name: Option<String>,
}

pub async fn user(db: &str, command: UserCommand) -> Result<(), Failure> {
    let store = crate::open_store(db).await?;
    let result = match command {
        UserCommand::Add(args) => add_user(&store, args).await,
        UserCommand::List => list_users(&store).await,
        UserCommand::Key(args) => add_key(&store, args).await,
    };
    store.close().await;
    result
}

async fn add_user(store: &carekpi_storage::Store, args: UserAddArgs) -> Result<(), Failure> {
    let role = match (args.admin, args.role) {
        (true, _) | (false, Some(RoleArg::Admin)) => Role::Admin,
        (false, Some(RoleArg::Manager)) => Role::Manager,
        (false, Some(RoleArg::Agent)) => Role::Agent,
        (false, Some(RoleArg::Viewer)) => Role::Viewer,
        (false, None) => return Err(Failure::usage("give --admin or --role ROLE")),
    };
    if !matches!(args.language.as_str(), "en" | "vi") {
        return Err(Failure::usage("--language is en or vi"));
    }
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read the password: {e}")))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (random_hex(12).map_err(failure)?, true)
    };
    let user = carekpi_server::add_user(
        store,
        NewUserRequest {
            username: args.username,
            password: password.clone(),
            role,
            display_name: args.display_name,
            agent_id: args.agent,
            team_ids: args.teams,
            language: Some(args.language),
        },
    )
    .await
    .map_err(failure)?;
    println!(
        "Added {} `{}` (user {}).",
        role.as_str(),
        user.username,
        user.id
    );
    if generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// A server-side refusal as a CLI failure: the caller's mistake (4xx) is invalid input, an
/// unavailable database a database failure.
fn failure(e: carekpi_server::error::ApiError) -> Failure {
    if e.status.is_client_error() {
        Failure::invalid_input(e.message)
    } else if e.status == carekpi_server::error::StatusCode::SERVICE_UNAVAILABLE {
        Failure::database(e.message)
    } else {
        Failure::usage(e.message)
    }
}

async fn add_key(store: &carekpi_storage::Store, args: KeyArgs) -> Result<(), Failure> {
    let scopes: Vec<Scope> = args
        .scopes
        .iter()
        .map(|s| match s {
            ScopeArg::Ingest => Scope::Ingest,
            ScopeArg::Read => Scope::Read,
        })
        .collect();
    let (token, key) = carekpi_server::add_api_key(store, &args.name, &scopes, None)
        .await
        .map_err(failure)?;
    if args.quiet {
        println!("{token}");
    } else {
        println!(
            "Created API key {} `{}` ({}). Token (shown once): {token}",
            key.id,
            key.name,
            key.scopes.join(", ")
        );
    }
    Ok(())
}

/// When the store has no users: add `admin` with a generated password; returns the name and
/// the password to show.
pub async fn ensure_an_admin(
    store: &carekpi_storage::Store,
) -> Result<Option<(String, String)>, Failure> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let password = random_hex(12).map_err(failure)?;
    carekpi_server::add_user(
        store,
        NewUserRequest {
            username: "admin".into(),
            password: password.clone(),
            role: Role::Admin,
            display_name: Some("Administrator".into()),
            agent_id: None,
            team_ids: Vec::new(),
            language: None,
        },
    )
    .await
    .map_err(failure)?;
    Ok(Some(("admin".into(), password)))
}

async fn list_users(store: &carekpi_storage::Store) -> Result<(), Failure> {
    let users = store.users().await?;
    if users.is_empty() {
        println!("No users yet: add the first admin with `carekpi user add NAME --admin`.");
    }
    for u in users {
        println!(
            "{:>4}  {:<24} {:<8} {}{}",
            u.id,
            u.username,
            u.role,
            u.agent_id.map_or(String::new(), |a| format!("agent {a} ")),
            if u.team_ids.is_empty() {
                String::new()
            } else {
                format!("teams {}", u.team_ids.join(", "))
            }
        );
    }
    Ok(())
}
