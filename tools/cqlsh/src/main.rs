//! `sibyl-cqlsh`: a cqlsh 6.2-compatible shell for sibyl (and Cassandra).
//!
//! `sibyl-cqlsh [host [port]] [-k ks] [-e "stmts"] [-f file] [-u user -p pass]
//! [--request-timeout s] [--connect-timeout s] [--cqlshrc path]`; without `-e`/`-f` the
//! statements are read from stdin. The exit status is 2 when a statement failed, 1 when the
//! connection failed.

mod complete;
mod copy;
mod format;
mod help;
mod password;
mod shell;
mod split;

use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Editor};
use sibyl_driver::{Session, SessionBuilder};
use tokio::signal::unix::{signal, Signal, SignalKind};

use complete::CqlHelper;
use shell::{ServerInfo, Shell};

#[derive(Parser, Debug)]
#[command(name = "sibyl-cqlsh", version, about = "CQL shell for sibyl (cqlsh 6.2 compatible)")]
struct Args {
    /// Host to connect to (default $CQLSH_HOST, the cqlshrc hostname, or 127.0.0.1).
    host: Option<String>,
    /// Native protocol port (default $CQLSH_PORT, the cqlshrc port, or 9042).
    port: Option<u16>,
    /// Keyspace to use after connecting.
    #[arg(short = 'k', long)]
    keyspace: Option<String>,
    /// Execute the statements and quit.
    #[arg(short = 'e', long, allow_hyphen_values = true)]
    execute: Option<String>,
    /// Execute the statements of FILE, then quit.
    #[arg(short = 'f', long)]
    file: Option<PathBuf>,
    /// Authenticate as user.
    #[arg(short = 'u', long)]
    username: Option<String>,
    /// Authenticate using password.
    #[arg(short = 'p', long)]
    password: Option<String>,
    /// Request timeout in seconds.
    #[arg(long)]
    request_timeout: Option<u64>,
    /// Connect timeout in seconds.
    #[arg(long)]
    connect_timeout: Option<u64>,
    /// An alternative cqlshrc file.
    #[arg(long)]
    cqlshrc: Option<PathBuf>,
}

/// A cqlshrc file: `[section]` then `key = value` (or `key: value`) lines; `;`/`#` comments.
fn parse_ini(text: &str) -> HashMap<(String, String), String> {
    let mut map = HashMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        if let Some(pos) = line.find(['=', ':']) {
            let key = line[..pos].trim().to_lowercase();
            map.insert((section.clone(), key), line[pos + 1..].trim().to_string());
        }
    }
    map
}

/// A connection failure as the Python driver describes it for one host.
pub(crate) fn connect_error(e: &sibyl_driver::DriverError, host: &str, port: u16) -> String {
    let text = e.to_string();
    if text.contains("Connection refused") {
        format!(
            "ConnectionRefusedError(111, \"Tried connecting to [('{host}', {port})]. Last error: Connection refused\")"
        )
    } else if text.contains("timed out") || text.contains("timeout") {
        "OperationTimedOut('errors=Timed out creating connection (5 seconds), last_host=None')".to_string()
    } else {
        format!("ConnectionException('{text}')")
    }
}

async fn server_info(session: &Session) -> ServerInfo {
    let mut info = ServerInfo::default();
    let q = "SELECT cluster_name, release_version, cql_version FROM system.local WHERE key = 'local'";
    if let Ok(r) = session.query(q, ()).await {
        if let Some(row) = r.first_row() {
            let col = |i| row.raw(i).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            info = ServerInfo { cluster_name: col(0), release_version: col(1), cql_version: col(2) };
        }
    }
    info
}

/// Where the history of interactive sessions is kept: `$CQL_HISTORY`, else cqlsh's
/// `~/.cassandra/cqlsh_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CQL_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cassandra").join("cqlsh_history"))
}

fn save_history(rl: &mut Editor<CqlHelper, FileHistory>, path: Option<&PathBuf>) {
    if let Some(p) = path {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.save_history(p);
    }
}

/// Whether `text` has a statement that changes the schema (so completion reloads it).
fn changes_schema(text: &str) -> bool {
    text.split(';').any(|s| matches!(split::first_word(s).to_ascii_lowercase().as_str(), "create" | "alter" | "drop"))
}

/// Runs what was typed; Ctrl-C (SIGINT) while it runs cancels it (the request in flight is
/// abandoned, its answer ignored) and returns to the prompt, as cqlsh does. `interrupts` is
/// the session's one SIGINT listener (made once, so no signal can fall between two listeners);
/// a SIGINT that arrived while no statement ran is dropped first, so it cannot cancel this one.
async fn run_interruptible(shell: &mut Shell, text: &str, interrupts: &mut Option<Signal>) {
    let Some(sigint) = interrupts.as_mut() else {
        // No SIGINT listener could be installed: run to the end.
        shell.run_script(text, "<stdin>", false).await;
        return;
    };
    while let Ok(Some(())) = tokio::time::timeout(Duration::ZERO, sigint.recv()).await {}
    let run = shell.run_script(text, "<stdin>", false);
    tokio::select! {
        () = run => {}
        _ = sigint.recv() => println!(),
    }
}

/// The interactive loop (rustyline): the banner, cqlsh's prompts and continuation prompt,
/// statements run once the lines typed so far end with a complete one; history kept across
/// sessions, tab completion of keywords and schema names; Ctrl-C drops the statement being
/// typed, Ctrl-D ends the session.
async fn interactive(shell: &mut Shell) {
    shell.tty = true;
    print!("{}", shell.banner());
    let _ = std::io::stdout().flush();
    let config = rustyline::Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.build())
        .unwrap_or_default();
    let mut rl: Editor<CqlHelper, FileHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("Cannot start line editing: {e}");
            return;
        }
    };
    let history = history_path();
    if let Some(p) = &history {
        let _ = rl.load_history(p);
    }
    rl.set_helper(Some(CqlHelper { schema: shell.load_schema().await, ..CqlHelper::default() }));
    let mut interrupts = signal(SignalKind::interrupt()).ok();
    let mut buffer = String::new();
    loop {
        if let Some(h) = rl.helper_mut() {
            h.keyspace = shell.keyspace().map(str::to_string);
            h.pending.clone_from(&buffer);
        }
        let prompt = shell.prompt(!buffer.trim().is_empty());
        match rl.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if split::split(&buffer).1.is_empty() {
                    let text = std::mem::take(&mut buffer);
                    // As cqlsh: a statement typed over several lines is also one history entry.
                    if text.trim().lines().count() > 1 {
                        let _ = rl.add_history_entry(text.trim().replace('\n', " "));
                    }
                    save_history(&mut rl, history.as_ref());
                    if split::first_word(&text).eq_ignore_ascii_case("history") {
                        shell.history = rl.history().iter().cloned().collect();
                    }
                    run_interruptible(shell, &text, &mut interrupts).await;
                    if shell.stopped() {
                        break;
                    }
                    if changes_schema(&text) {
                        let schema = shell.load_schema().await;
                        if let Some(h) = rl.helper_mut() {
                            h.schema = schema;
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => {
                println!();
                if !buffer.trim().is_empty() {
                    shell.run_script(&buffer, "<stdin>", false).await;
                }
                break;
            }
            Err(e) => {
                eprintln!("{e}");
                break;
            }
        }
    }
    save_history(&mut rl, history.as_ref());
}

async fn run(args: Args) -> ExitCode {
    let rc_path = args
        .cqlshrc
        .clone()
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cassandra").join("cqlshrc")));
    let rc = match &rc_path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => parse_ini(&t),
            Err(_) => {
                if args.cqlshrc.is_some() && !p.exists() {
                    let default = std::env::var_os("HOME")
                        .map(|h| PathBuf::from(h).join(".cassandra").join("cqlshrc").display().to_string())
                        .unwrap_or_default();
                    println!(
                        "\nWarning: Specified cqlshrc location `{}` does not exist.  Using `{default}` instead.\n",
                        p.display()
                    );
                }
                HashMap::new()
            }
        },
        None => HashMap::new(),
    };
    let rc_get = |s: &str, k: &str| rc.get(&(s.to_string(), k.to_string())).cloned();
    let host = args
        .host
        .clone()
        .or_else(|| std::env::var("CQLSH_HOST").ok())
        .or_else(|| rc_get("connection", "hostname"))
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let port = args
        .port
        .or_else(|| std::env::var("CQLSH_PORT").ok().and_then(|p| p.parse().ok()))
        .or_else(|| rc_get("connection", "port").and_then(|p| p.parse().ok()))
        .unwrap_or(9042);
    let connect_timeout =
        args.connect_timeout.or_else(|| rc_get("connection", "timeout").and_then(|t| t.parse().ok())).unwrap_or(5);
    let request_timeout = args
        .request_timeout
        .or_else(|| rc_get("connection", "request_timeout").and_then(|t| t.parse().ok()))
        .unwrap_or(10);
    let (rc_user, rc_password) = (rc_get("authentication", "username"), rc_get("authentication", "password"));
    if rc_user.is_some() || rc_password.is_some() {
        eprintln!(
            "\nNotice: Credentials in the cqlshrc file is deprecated and will be ignored in the future.\n\
             Please use a credentials file to specify the username and password.\n"
        );
    }
    if args.password.is_some() {
        eprintln!(
            "\nWarning: Using a password on the command line interface can be insecure.\n\
             Recommendation: use the credentials file to securely provide the password.\n"
        );
    }
    let username = args.username.clone().or(rc_user);
    let user = username.clone();
    let mut password = args.password.clone().or(rc_password);
    // As cqlsh: a user without a password is asked for one.
    if username.is_some() && password.is_none() {
        match password::prompt_password() {
            Ok(Some(p)) => password = Some(p),
            Ok(None) => return ExitCode::from(1),
            Err(e) => {
                eprintln!("Cannot read the password: {e}");
                return ExitCode::from(1);
            }
        }
    }
    let keyspace = args.keyspace.clone().or_else(|| rc_get("authentication", "keyspace"));

    let base = SessionBuilder::new()
        .known_node(format!("{host}:{port}"))
        .connect_timeout(Duration::from_secs(connect_timeout))
        .request_timeout(Duration::from_secs(request_timeout));
    let mut builder = base.clone();
    if let Some(user) = username {
        builder = builder.credentials(user, password.unwrap_or_default());
    }
    if let Some(ks) = &keyspace {
        builder = builder.keyspace(ks.clone());
    }
    let session = match builder.build().await {
        Ok(s) => s,
        Err(e) if keyspace.is_some() && e.to_string().contains("does not exist") => {
            let ks = keyspace.unwrap_or_default();
            eprintln!("Connection error: (\"Unable to connect to any servers using keyspace '{ks}'\", ['{host}'])");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!(
                "Connection error: ('Unable to connect to any servers', {{'{host}:{port}': {}}})",
                connect_error(&e, &host, port)
            );
            return ExitCode::from(1);
        }
    };
    let info = server_info(&session).await;
    let mut shell = Shell::new(session, base, keyspace, info);
    shell.username = user;
    if let Some(p) = rc_get("ui", "float_precision").and_then(|p| p.parse().ok()) {
        shell.display.float_precision = p;
    }
    if let Some(p) = rc_get("ui", "double_precision").and_then(|p| p.parse().ok()) {
        shell.display.double_precision = p;
    }
    if let Some(stmts) = &args.execute {
        shell.run_script(stmts, "<stdin>", true).await;
    } else if let Some(path) = &args.file {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => shell.run_script(&text, &name, false).await,
            Err(e) => {
                eprintln!("Can't open '{name}': {}", shell::python_io_error(&e, &name));
                return ExitCode::from(1);
            }
        }
    } else if std::io::stdin().is_terminal() {
        interactive(&mut shell).await;
    } else {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("Cannot read stdin: {e}");
            return ExitCode::from(1);
        }
        shell.run_script(&text, "<stdin>", false).await;
    }
    if shell.error {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cqlshrc_sections() {
        let rc = parse_ini("[connection]\nhostname = 10.0.0.1\nport: 9043\n; c\n[authentication]\nkeyspace=ks\n");
        assert_eq!(rc.get(&("connection".into(), "hostname".into())).map(String::as_str), Some("10.0.0.1"));
        assert_eq!(rc.get(&("connection".into(), "port".into())).map(String::as_str), Some("9043"));
        assert_eq!(rc.get(&("authentication".into(), "keyspace".into())).map(String::as_str), Some("ks"));
    }
}
