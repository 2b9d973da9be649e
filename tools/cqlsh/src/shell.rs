//! The shell: runs statements and cqlsh's own commands, printing as cqlsh 6.2 does without a
//! tty.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;

use sibyl_driver::value::{CqlValue, DisplayOptions};
use sibyl_driver::{Consistency, DriverError, QueryResult, Session, SessionBuilder, Statement};

use crate::split::{first_word, split};
use crate::{format, help};

#[path = "tracing.rs"]
mod trace;

/// The cqlsh version this shell imitates.
pub const CQLSH_VERSION: &str = "6.2.2";
const DEFAULT_PAGE_SIZE: i32 = 100;

/// Server facts shown by `SHOW VERSION` / `SHOW HOST`.
#[derive(Debug, Clone, Default)]
pub struct ServerInfo {
    pub cluster_name: String,
    pub release_version: String,
    pub cql_version: String,
}

pub struct Shell {
    session: Session,
    host: String,
    port: u16,
    info: ServerInfo,
    consistency: Consistency,
    serial_consistency: Consistency,
    paging: bool,
    page_size: i32,
    expand: bool,
    tracing: bool,
    keyspace: Option<String>,
    /// cqlshrc `[ui]` display settings.
    pub display: DisplayOptions,
    /// Set once any statement or command failed.
    pub error: bool,
    stop: bool,
    /// Where errors are attributed: the script name and the line of the statement.
    source: (String, usize),
    /// Interactive: errors without line numbers, a blank line after each page of rows,
    /// `---MORE---` between pages.
    pub tty: bool,
    /// `CAPTURE '<file>'`: query results go to this file (its name as given, expanded).
    capture: Option<(String, std::fs::File)>,
    /// The data lines of the `COPY ... FROM STDIN` commands of the script being run.
    stdin_data: std::collections::VecDeque<String>,
    /// How sessions are opened (contact point, timeouts), for `LOGIN`.
    builder: SessionBuilder,
    /// The user logged in as (shown in the prompt).
    pub username: Option<String>,
    /// The line-editing history, as of the command being run (interactive only).
    pub history: Vec<String>,
    /// Entries `HISTORY` shows (cqlsh's default 50; `HISTORY n` changes it).
    history_shown: usize,
}

/// Python's `repr()` of a string, as cqlsh's messages quote file names (`'f'`, or `"it's"`).
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

type Boxed<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Writes to stdout now (flushed).
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// `CLEAR` / `CLS`: clears the terminal (nothing when stdout is not one).
fn do_clear() {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        out("\x1b[H\x1b[2J\x1b[3J");
    }
}

fn parse_level(word: &str) -> Option<Consistency> {
    Consistency::ALL_LEVELS.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(word))
}

fn unquote_name(name: &str) -> String {
    let name = name.trim();
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => name.to_lowercase(),
    }
}

/// An I/O error as Python prints an `OSError`: `[Errno 2] No such file or directory: 'f'`.
pub fn python_io_error(e: &std::io::Error, path: &str) -> String {
    match e.raw_os_error() {
        Some(code) => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or_default().to_string();
            format!("[Errno {code}] {text}: '{path}'")
        }
        None => e.to_string(),
    }
}

fn unquote_string(s: &str) -> Option<String> {
    let s = s.trim();
    s.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')).map(|n| n.replace("''", "'"))
}

impl Shell {
    pub fn new(session: Session, builder: SessionBuilder, keyspace: Option<String>, info: ServerInfo) -> Shell {
        let (host, port) = match builder.config().known_nodes.first().and_then(|n| n.rsplit_once(':')) {
            Some((host, port)) => (host.to_string(), port.parse().unwrap_or(9042)),
            None => ("127.0.0.1".to_string(), 9042),
        };
        Shell {
            builder,
            username: None,
            history: Vec::new(),
            history_shown: 50,
            session,
            host,
            port,
            info,
            consistency: Consistency::One,
            serial_consistency: Consistency::Serial,
            paging: true,
            page_size: DEFAULT_PAGE_SIZE,
            expand: false,
            tracing: false,
            keyspace,
            display: DisplayOptions::default(),
            error: false,
            stop: false,
            source: (String::from("<stdin>"), 1),
            tty: false,
            capture: None,
            stdin_data: std::collections::VecDeque::new(),
        }
    }

    fn printerr(&mut self, text: &str) {
        self.error = true;
        if self.tty {
            eprintln!("{text}");
        } else {
            let (name, line) = &self.source;
            eprintln!("{name}:{line}:{text}");
        }
    }

    /// Runs every complete statement of `input`; `name` is used in error lines. `single`
    /// is `-e`: an unterminated last statement runs too and every error is on line 1 (cqlsh
    /// reads the whole text as one line). Otherwise errors name the line after the one that
    /// completed the statement, as cqlsh's line counter does, and an unfinished statement at the end is an
    /// error, unless it is a shell command.
    pub fn run_script<'a>(&'a mut self, input: &'a str, name: &'a str, single: bool) -> Boxed<'a> {
        Box::pin(async move {
            // A script's COPY FROM STDIN reads the script's next lines, as in cqlsh.
            let taken;
            let input = if single || self.tty || !input.contains(['c', 'C']) {
                input
            } else {
                let (rest, data) = crate::copy::take_stdin_data(input);
                self.stdin_data.extend(data);
                taken = rest;
                taken.as_str()
            };
            let (mut pieces, rest) = split(input);
            // cqlsh counts a line as soon as it has read it: errors name the line after.
            let last_line = input.lines().count() + 1;
            let mut incomplete = false;
            if !rest.is_empty() {
                if single || crate::split::is_line_command(&rest) {
                    pieces.push(crate::split::Piece { text: rest, line: last_line });
                } else {
                    incomplete = true;
                }
            }
            for piece in pieces {
                if self.stop {
                    break;
                }
                self.source = (name.to_string(), if single { 1 } else { piece.line + 1 });
                self.run_one(&piece.text).await;
            }
            if incomplete && !self.stop {
                self.source = (name.to_string(), last_line);
                self.printerr("Incomplete statement at end of file");
            }
        })
    }

    async fn run_one(&mut self, text: &str) {
        let word = first_word(text);
        let args: Vec<&str> = text.split_whitespace().skip(1).collect();
        match word.as_str() {
            "EXIT" | "QUIT" => self.stop = true,
            "CONSISTENCY" => self.do_consistency(&args),
            "SERIAL" => self.do_serial(&args),
            "PAGING" => self.do_paging(&args),
            "EXPAND" => self.do_expand(&args),
            "SHOW" => self.do_show(&args),
            "HELP" | "?" => self.do_help(&args),
            "SOURCE" => self.do_source(text).await,
            "USE" => self.do_use(&args).await,
            "DESC" | "DESCRIBE" => self.do_describe(text, &args).await,
            "TRACING" => self.do_tracing(&args),
            "CAPTURE" => self.do_capture(&args),
            "CLEAR" | "CLS" => do_clear(),
            "COPY" => self.do_copy(text).await,
            "LOGIN" => self.do_login(text).await,
            "HISTORY" => self.do_history(&args),
            _ => self.do_cql(text).await,
        }
    }

    /// Query results: to the CAPTURE file when capturing, else stdout.
    fn write_result(&mut self, text: &str) {
        let failed = match &mut self.capture {
            None => {
                out(text);
                return;
            }
            Some((name, file)) => {
                file.write_all(text.as_bytes()).and_then(|()| file.flush()).err().map(|e| (name.clone(), e))
            }
        };
        if let Some((name, e)) = failed {
            self.printerr(&format!("Error writing to {}: {e}", py_repr(&name)));
        }
    }

    /// `CAPTURE '<file>'`, `CAPTURE OFF`, `CAPTURE`: query results appended to a file instead
    /// of shown (cqlsh's `do_capture`; its messages on stdout, its errors on stderr).
    fn do_capture(&mut self, args: &[&str]) {
        let arg = args.join(" ");
        let arg = arg.trim();
        if arg.is_empty() {
            return match &self.capture {
                Some((name, _)) => out(&format!("Currently capturing query output to {}.\n", py_repr(name))),
                None => out("Currently not capturing query output.\n"),
            };
        }
        if arg.eq_ignore_ascii_case("OFF") {
            if self.capture.take().is_none() {
                self.printerr("Not currently capturing output.");
            }
            return;
        }
        let Some(path) = unquote_string(arg) else {
            return self.printerr("Improper CAPTURE command.");
        };
        if let Some((name, _)) = &self.capture {
            let msg = format!("Already capturing output to {name}. Use CAPTURE OFF to disable.");
            return self.printerr(&msg);
        }
        let path = crate::copy::expand_home(&path);
        match std::fs::OpenOptions::new().append(true).create(true).open(&path) {
            Ok(file) => {
                out(&format!("Now capturing query output to {}.\n", py_repr(&path)));
                self.capture = Some((path, file));
            }
            Err(e) => {
                let msg = format!("Could not open {} for append: {}", py_repr(&path), python_io_error(&e, &path));
                self.printerr(&msg);
            }
        }
    }

    /// `COPY ... TO | FROM ...`.
    async fn do_copy(&mut self, text: &str) {
        let stdin_data =
            if !self.tty && crate::copy::is_copy_from_stdin(text) { self.stdin_data.pop_front() } else { None };
        let ctx = crate::copy::Context {
            session: self.session.clone(),
            consistency: self.consistency,
            keyspace: self.keyspace.clone(),
            stdin_data,
        };
        let mut errors = false;
        let result = {
            let source = self.source.clone();
            let tty = self.tty;
            let mut printerr = |msg: &str| {
                errors = true;
                if tty {
                    eprintln!("{msg}");
                } else {
                    eprintln!("{}:{}:{msg}", source.0, source.1);
                }
            };
            crate::copy::run(&ctx, text, &mut printerr).await
        };
        if errors {
            self.error = true;
        }
        if let Err(e) = result {
            self.printerr(&e.to_string());
        }
    }

    fn do_consistency(&mut self, args: &[&str]) {
        match args {
            [] => out(&format!("Current consistency level is {}.\n", self.consistency)),
            [level] => match parse_level(level) {
                Some(c) => {
                    self.consistency = c;
                    out(&format!("Consistency level set to {}.\n", c));
                }
                None => self.printerr("Improper CONSISTENCY command."),
            },
            _ => self.printerr("Improper CONSISTENCY command."),
        }
    }

    fn do_serial(&mut self, args: &[&str]) {
        match args {
            [c] if c.eq_ignore_ascii_case("CONSISTENCY") => {
                out(&format!("Current serial consistency level is {}.\n", self.serial_consistency))
            }
            [c, level] if c.eq_ignore_ascii_case("CONSISTENCY") => match parse_level(level) {
                Some(l @ (Consistency::Serial | Consistency::LocalSerial)) => {
                    self.serial_consistency = l;
                    out(&format!("Serial consistency level set to {}.\n", l));
                }
                _ => self.printerr("Improper SERIAL command."),
            },
            _ => self.printerr("Improper SERIAL command."),
        }
    }

    /// cqlsh's `on_off_switch`: `NAME is ON`, `NAME is already ON`, `NAME set to ON`.
    fn on_off(&mut self, name: &str, current: bool, arg: &str) -> Option<bool> {
        let state = |b: bool| if b { "ON" } else { "OFF" };
        let new = if arg.eq_ignore_ascii_case("ON") {
            true
        } else if arg.eq_ignore_ascii_case("OFF") {
            false
        } else {
            self.printerr(&format!("Improper {name} command."));
            return None;
        };
        if new == current {
            out(&format!("{name} is already {}\n", state(current)));
        } else {
            out(&format!("{name} set to {}\n", state(new)));
        }
        Some(new)
    }

    fn do_paging(&mut self, args: &[&str]) {
        match args {
            [] => out(&format!("PAGING is {}\n", if self.paging { "ON" } else { "OFF" })),
            [n] if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => match n.parse::<i32>() {
                Ok(n) if n > 0 => {
                    self.paging = true;
                    self.page_size = n;
                }
                _ => return self.printerr("Improper PAGING command."),
            },
            [a] => match self.on_off("PAGING", self.paging, a) {
                Some(p) => self.paging = p,
                None => return,
            },
            _ => return self.printerr("Improper PAGING command."),
        }
        if self.paging {
            out(&format!("Page size: {}\n", self.page_size));
        } else {
            self.page_size = DEFAULT_PAGE_SIZE;
        }
    }

    fn do_expand(&mut self, args: &[&str]) {
        match args {
            [] => out(&format!("EXPAND is {}\n", if self.expand { "ON" } else { "OFF" })),
            [a] => {
                if let Some(e) = self.on_off("EXPAND", self.expand, a) {
                    self.expand = e;
                }
            }
            _ => self.printerr("Improper EXPAND command."),
        }
    }

    fn do_show(&mut self, args: &[&str]) {
        let what = if args.len() == 1 { args[0].to_ascii_lowercase() } else { String::new() };
        match what.as_str() {
            "version" => out(&format!(
                "[cqlsh {CQLSH_VERSION} | Cassandra {} | CQL spec {} | Native protocol v4]\n",
                self.info.release_version, self.info.cql_version
            )),
            "host" => out(&format!("Connected to {} at {}:{}\n", self.info.cluster_name, self.host, self.port)),
            _ => self.printerr("Improper SHOW command."),
        }
    }

    fn do_help(&mut self, args: &[&str]) {
        if args.is_empty() {
            return out(&help::listing());
        }
        for topic in args {
            let upper = topic.to_ascii_uppercase();
            if let Some((_, doc)) = help::SHELL_TOPICS.iter().find(|(n, _)| *n == upper) {
                out(&format!("\n        {doc}\n\n"));
            } else if let Some((_, anchor)) = help::CQL_TOPICS.iter().find(|(n, _)| *n == upper) {
                let url = format!("{}#{anchor}", help::CQL_DOC_URL);
                self.printerr(&format!("*** No browser to display CQL help. URL for help topic {topic} : {url}"));
            } else {
                self.printerr(&format!("*** No help on {topic}"));
            }
        }
    }

    /// `SOURCE '<file>'`: like cqlsh, a sub-shell on the same connection that starts from
    /// the default settings in the current keyspace; its settings, its `EXIT` and its errors
    /// (printed with the file's name and line) do not carry over.
    async fn do_source(&mut self, text: &str) {
        let arg = text.trim_start().get(6..).unwrap_or_default().trim();
        let Some(path) = unquote_string(arg) else {
            return self.printerr("Improper SOURCE command.");
        };
        let path = match (path.strip_prefix("~/"), std::env::var("HOME")) {
            (Some(rest), Ok(home)) => format!("{home}/{rest}"),
            _ => path,
        };
        let contents = match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) => return self.printerr(&format!("Could not open '{path}': {}", python_io_error(&e, &path))),
        };
        let saved = (
            self.consistency,
            self.serial_consistency,
            self.paging,
            self.page_size,
            self.expand,
            self.error,
            self.keyspace.clone(),
            self.source.clone(),
        );
        self.consistency = Consistency::One;
        self.serial_consistency = Consistency::Serial;
        self.paging = true;
        self.page_size = DEFAULT_PAGE_SIZE;
        self.expand = false;
        self.run_script(&contents, &path, false).await;
        let (consistency, serial, paging, page_size, expand, error, keyspace, source) = saved;
        (self.consistency, self.serial_consistency, self.paging, self.page_size, self.expand) =
            (consistency, serial, paging, page_size, expand);
        self.error = error;
        self.stop = false;
        self.source = source;
        if self.keyspace != keyspace {
            if let Some(ks) = &keyspace {
                let _ = self.session.use_keyspace(ks.clone()).await;
            }
            self.keyspace = keyspace;
        }
    }

    async fn do_use(&mut self, args: &[&str]) {
        let name = unquote_name(&args.join(" "));
        match self.session.use_keyspace(name.clone()).await {
            Ok(()) => self.keyspace = Some(name),
            Err(e) => self.printerr(&format::error_text(&e)),
        }
    }

    /// A statement as cqlsh sends it: its consistency and serial consistency, paged when
    /// paging is on.
    /// The prompt cqlsh shows: `cqlsh> ` or `cqlsh:ks> `, `user@` first when logged in; the
    /// continuation prompt lines up with it.
    /// `LOGIN <user> ['<password>']`: a new session as that user (the password asked for
    /// when not given), in the current keyspace; on failure the old session stays.
    async fn do_login(&mut self, text: &str) {
        let rest = text.trim().trim_end_matches(';').trim();
        let rest = rest.get(5..).unwrap_or_default().trim();
        let (user, password) = match rest.split_once(char::is_whitespace) {
            Some((user, password)) => (user, Some(password.trim())),
            None => (rest, None),
        };
        if user.is_empty() {
            self.printerr("Improper login command.");
            return;
        }
        // As typed (cqlsh sends its binding unchanged): a user name is not an identifier.
        let user = unquote_string(user)
            .or_else(|| user.strip_prefix('"').and_then(|u| u.strip_suffix('"')).map(|u| u.replace("\"\"", "\"")))
            .unwrap_or_else(|| user.to_string());
        let password = match password {
            Some(p) => match unquote_string(p) {
                Some(p) => p,
                None => {
                    self.printerr("Improper login command.");
                    return;
                }
            },
            None => match crate::password::prompt_password() {
                Ok(Some(p)) => p,
                Ok(None) => return,
                Err(e) => {
                    self.printerr(&format!("Cannot read the password: {e}"));
                    return;
                }
            },
        };
        let mut builder = self.builder.clone().credentials(user.clone(), password);
        if let Some(ks) = &self.keyspace {
            builder = builder.keyspace(ks.clone());
        }
        match builder.build().await {
            Ok(session) => {
                let old = std::mem::replace(&mut self.session, session);
                old.close();
                self.username = Some(user);
            }
            Err(e) => {
                let msg = crate::connect_error(&e, &self.host, self.port);
                self.printerr(&format!(
                    "Connection error: ('Unable to connect to any servers', {{'{}:{}': {msg}}})",
                    self.host, self.port
                ));
            }
        }
    }

    /// `HISTORY [n]`: the most recent lines typed (before this command), at most `n` (which
    /// stays for the session), as cqlsh prints readline's history.
    fn do_history(&mut self, args: &[&str]) {
        if let Some(n) = args.first() {
            match n.trim_end_matches(';').parse::<usize>() {
                Ok(n) if n > 0 => self.history_shown = n,
                _ => {
                    self.printerr("Improper history command.");
                    return;
                }
            }
        }
        // readline numbers its items from 1; cqlsh shows items max(1, len - n) .. len - 1.
        let len = self.history.len();
        let first = len.saturating_sub(self.history_shown).max(1);
        let mut text = String::new();
        for item in self.history.iter().take(len.saturating_sub(1)).skip(first - 1) {
            text.push_str(item);
            text.push('\n');
        }
        out(&text);
    }

    pub fn prompt(&self, continuation: bool) -> String {
        let user = self.username.as_deref();
        match (continuation, &self.keyspace) {
            (true, None) => "   ... ".to_string(),
            (true, Some(ks)) => format!("{}    ... ", " ".repeat(ks.chars().count())),
            (false, ks) => {
                let base = match ks {
                    None => "cqlsh> ".to_string(),
                    Some(ks) => format!("cqlsh:{ks}> "),
                };
                match user {
                    Some(u) => format!("{u}@{base}"),
                    None => base,
                }
            }
        }
    }

    /// `SHOW HOST` and `SHOW VERSION`, the banner of an interactive session.
    pub fn banner(&self) -> String {
        format!(
            "Connected to {} at {}:{}\n[cqlsh {CQLSH_VERSION} | Cassandra {} | CQL spec {} | Native protocol v4]\nUse HELP for help.\n",
            self.info.cluster_name, self.host, self.port, self.info.release_version, self.info.cql_version
        )
    }

    /// The current keyspace (`USE`).
    pub fn keyspace(&self) -> Option<&str> {
        self.keyspace.as_deref()
    }

    /// Keyspaces, tables and columns from `system_schema`, for completion (empty parts when a
    /// query fails).
    pub async fn load_schema(&self) -> crate::complete::Schema {
        let mut schema = crate::complete::Schema::default();
        let q = |cql: &str| Statement::new(cql).with_consistency(Consistency::LocalOne).with_page_size(5000);
        if let Ok(pages) = self.fetch_all(q("SELECT keyspace_name FROM system_schema.keyspaces")).await {
            for page in &pages {
                for i in 0..page.rows().len() {
                    if let Some(ks) = Self::text_column(page, i, "keyspace_name") {
                        schema.keyspaces.entry(ks).or_default();
                    }
                }
            }
        }
        if let Ok(pages) = self.fetch_all(q("SELECT keyspace_name, table_name FROM system_schema.tables")).await {
            for page in &pages {
                for i in 0..page.rows().len() {
                    if let (Some(ks), Some(t)) =
                        (Self::text_column(page, i, "keyspace_name"), Self::text_column(page, i, "table_name"))
                    {
                        schema.keyspaces.entry(ks).or_default().entry(t).or_default();
                    }
                }
            }
        }
        let cql = "SELECT keyspace_name, table_name, column_name FROM system_schema.columns";
        if let Ok(pages) = self.fetch_all(q(cql)).await {
            for page in &pages {
                for i in 0..page.rows().len() {
                    let col = |n| Self::text_column(page, i, n);
                    if let (Some(ks), Some(t), Some(c)) = (col("keyspace_name"), col("table_name"), col("column_name"))
                    {
                        schema.keyspaces.entry(ks).or_default().entry(t).or_default().push(c);
                    }
                }
            }
        }
        schema
    }

    /// Whether `EXIT`/`QUIT` ran.
    pub fn stopped(&self) -> bool {
        self.stop
    }

    fn statement(&self, text: &str) -> Statement {
        let mut s =
            Statement::new(text).with_consistency(self.consistency).with_serial_consistency(self.serial_consistency);
        if self.paging {
            s = s.with_page_size(self.page_size);
        }
        s
    }

    /// Runs a statement, yielding each page to `page` (all pages when paging).
    async fn fetch_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DriverError> {
        if stmt.options().page_size.is_none() {
            return Ok(vec![self.session.query(stmt, ()).await?]);
        }
        let mut pages = Vec::new();
        let mut state = None;
        loop {
            let (page, next) = self.session.query_paged(stmt.clone(), (), state).await?;
            pages.push(page);
            match next {
                Some(n) => state = Some(n),
                None => return Ok(pages),
            }
        }
    }

    fn page_cells(&self, page: &QueryResult) -> Vec<Vec<String>> {
        page.rows()
            .iter()
            .map(|row| {
                page.columns.iter().enumerate().map(|(i, c)| format::cell(&c.ty, row.raw(i), &self.display)).collect()
            })
            .collect()
    }

    /// `print_static_result`: the header only when there are no rows.
    fn static_result(&self, page: &QueryResult, with_header: bool, offset: usize, text: &mut String) {
        let names: Vec<String> = page.columns.iter().map(|c| c.name.clone()).collect();
        if names.is_empty() {
            return;
        }
        if page.rows().is_empty() {
            format::table(&names, None, true, false, text);
            return;
        }
        let cells = self.page_cells(page);
        if self.expand {
            format::vertical(&names, &cells, offset, text);
        } else {
            format::table(&names, Some(&cells), with_header, self.tty, text);
        }
    }

    fn warnings(warnings: &[String], text: &mut String) {
        if warnings.is_empty() {
            return;
        }
        text.push_str("\nWarnings :\n");
        for w in warnings {
            text.push_str(w);
            text.push_str("\n\n");
        }
    }

    async fn do_cql(&mut self, text: &str) {
        let is_select = text.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"));
        // cqlsh sends the statement as typed, with its `;`.
        let stmt = self.statement(&format!("{text};")).with_tracing(self.traces(text));
        let paged = stmt.options().page_size.is_some();
        let first = if paged {
            self.session.query_paged(stmt.clone(), (), None).await.map(|(p, _)| p)
        } else {
            self.session.query(stmt.clone(), ()).await
        };
        let first = match first {
            Ok(p) => p,
            Err(e) => return self.printerr(&format::error_text(&e)),
        };
        if let Some(ks) = first.set_keyspace.clone() {
            self.keyspace = Some(ks);
        }
        let warnings = first.warnings.clone();
        let mut traces: Vec<[u8; 16]> = first.tracing_id.into_iter().collect();
        let mut buf = String::new();
        if is_select {
            // print_result: pages printed as they come, the header once (every page on a tty,
            // after ---MORE---).
            buf.push('\n');
            let mut num_rows = 0;
            let mut page = first;
            let mut is_first = true;
            loop {
                if is_first || !page.rows().is_empty() {
                    self.static_result(&page, is_first || self.tty, num_rows, &mut buf);
                    num_rows += page.rows().len();
                }
                let Some(state) = page.paging_state.clone().filter(|_| paged) else {
                    if !self.tty {
                        buf.push('\n');
                    }
                    break;
                };
                if self.tty && self.capture.is_none() {
                    // As cqlsh, no pause while capturing.
                    self.write_result(&buf);
                    buf.clear();
                    out("---MORE---");
                    let mut line = String::new();
                    let _ = std::io::stdin().read_line(&mut line);
                }
                page = match self.session.query_paged(stmt.clone(), (), Some(state)).await {
                    Ok((p, _)) => p,
                    Err(e) => {
                        self.write_result(&buf);
                        return self.printerr(&format::error_text(&e));
                    }
                };
                is_first = false;
                traces.extend(page.tracing_id);
            }
            buf.push_str(&format!("({num_rows} rows)\n"));
        } else if !first.rows().is_empty() {
            // A conditional update's [applied] row.
            buf.push('\n');
            self.static_result(&first, true, 0, &mut buf);
        }
        Self::warnings(&warnings, &mut buf);
        self.write_result(&buf);
        self.print_traces(&traces).await;
    }

    fn text_column(page: &QueryResult, row: usize, name: &str) -> Option<String> {
        let r = page.rows().get(row)?;
        let i = r.column_index(name)?;
        r.raw(i).map(|b| String::from_utf8_lossy(b).into_owned())
    }

    async fn do_describe(&mut self, text: &str, args: &[&str]) {
        let mut stmt = Statement::new(format!("{text};")).with_consistency(Consistency::LocalOne);
        if self.paging {
            stmt = stmt.with_page_size(self.page_size);
        }
        let pages = match self.fetch_all(stmt).await {
            Ok(p) => p,
            Err(e) => {
                let msg = format::server_message(&e);
                return self.printerr(&msg);
            }
        };
        let what = args.first().map(|a| a.to_ascii_lowercase()).unwrap_or_default();
        let mut buf = String::new();
        let rows: Vec<(&QueryResult, usize)> =
            pages.iter().flat_map(|p| (0..p.rows().len()).map(move |i| (p, i))).collect();
        match what.as_str() {
            "columnfamilies" | "tables" | "types" | "functions" | "aggregates" => {
                let mut current: Option<String> = None;
                let mut names = Vec::new();
                for (p, i) in &rows {
                    let ks = Self::text_column(p, *i, "keyspace_name").unwrap_or_default();
                    if current.as_deref() != Some(ks.as_str()) {
                        if let Some(k) = &current {
                            self.keyspace_names(k, &names, &mut buf);
                        }
                        current = Some(ks);
                        names.clear();
                    }
                    names.push(Self::text_column(p, *i, "name").unwrap_or_default());
                }
                if let Some(k) = &current {
                    self.keyspace_names(k, &names, &mut buf);
                    buf.push('\n');
                }
            }
            "keyspaces" => {
                let names: Vec<String> =
                    rows.iter().map(|(p, i)| Self::text_column(p, *i, "name").unwrap_or_default()).collect();
                buf.push('\n');
                format::columnize(&names, 80, &mut buf);
                buf.push('\n');
            }
            "cluster" => {
                for (p, i) in &rows {
                    let col = |n: &str| Self::text_column(p, *i, n).unwrap_or_default();
                    buf.push_str(&format!(
                        "\nCluster: {}\nPartitioner: {}\nSnitch: {}\n\n",
                        col("cluster"),
                        col("partitioner"),
                        col("snitch")
                    ));
                    let row = &p.rows()[*i];
                    if let Some(idx) = row.column_index("range_ownership") {
                        buf.push_str("Range ownership:\n");
                        let ty = &p.columns[idx].ty;
                        if let Some(Ok(CqlValue::Map(entries))) = row.raw(idx).map(|b| CqlValue::deserialize(ty, b)) {
                            for (k, v) in entries {
                                let hosts: Vec<String> = match v {
                                    CqlValue::List(l) => l.iter().map(|h| format!("{h:#}")).collect(),
                                    other => vec![format!("{other:#}")],
                                };
                                buf.push_str(&format!(" {:>39}  [{}]\n", format!("{k:#}"), hosts.join(", ")));
                            }
                        }
                        buf.push('\n');
                    }
                }
            }
            _ => {
                for (p, i) in &rows {
                    buf.push('\n');
                    buf.push_str(&Self::text_column(p, *i, "create_statement").unwrap_or_default());
                    buf.push('\n');
                }
            }
        }
        if let Some(first) = pages.first() {
            Self::warnings(&first.warnings, &mut buf);
        }
        self.write_result(&buf);
    }

    fn keyspace_names(&self, keyspace: &str, names: &[String], buf: &mut String) {
        buf.push('\n');
        if self.keyspace.is_none() {
            buf.push_str(&format!("Keyspace {keyspace}\n---------{}\n", "-".repeat(keyspace.chars().count())));
        }
        format::columnize(names, 80, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings() {
        assert_eq!(unquote_name("Ks"), "ks");
        assert_eq!(unquote_name("\"My\"\"Ks\""), "My\"Ks");
        assert_eq!(unquote_string("'a''b'"), Some("a'b".to_string()));
        assert_eq!(parse_level("local_quorum"), Some(Consistency::LocalQuorum));
    }
}
