//! The crash test's child process: opens an engine, then writes unique keys in a loop and
//! reports each acknowledged write on stdout, until it is killed.
//!
//! Usage: `crash-writer <data dir> <periodic|batch|group> <first key number>`
//!
//! Prints `READY` once the engine is open, then `ACK <n>` after `apply` of key `n` returned
//! Ok (stdout is flushed after every line). On an error it prints `ERROR <message>` and exits
//! with status 2. The table and the values are the ones `sibyl_tests::crash` describes, so the
//! test can check what was acknowledged.

use anyhow::{bail, Context};
use sibyl_storage::{Engine, SyncMode};
use std::io::Write;
use std::time::Duration;

fn main() {
    if let Err(e) = run() {
        println!("ERROR {e:#}");
        let _ = std::io::stdout().flush();
        std::process::exit(2);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, mode, first] = args.as_slice() else {
        bail!("usage: crash-writer <data dir> <periodic|batch|group> <first key number>");
    };
    let sync = match mode.as_str() {
        "periodic" => SyncMode::Periodic { period: Duration::from_millis(20) },
        "batch" => SyncMode::Batch,
        "group" => SyncMode::Group { window: Duration::from_millis(2) },
        other => bail!("unknown sync mode {other:?}"),
    };
    let first: u64 = first.parse().context("first key number")?;
    let engine = Engine::open(sibyl_tests::crash::engine_config(dir, sync)).context("opening the engine")?;
    engine
        .create_table(sibyl_tests::crash::TABLE, sibyl_tests::crash::table_options())
        .context("creating the table")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY")?;
    out.flush()?;
    for n in first.. {
        engine.apply(&sibyl_tests::crash::mutation(n)).with_context(|| format!("apply of key {n}"))?;
        writeln!(out, "ACK {n}")?;
        out.flush()?;
    }
    Ok(())
}
