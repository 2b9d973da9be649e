//! `TRACING ON|OFF` against a real node: cqlsh 6.2.2's switch texts, and after each traced
//! statement the trace table (`Tracing session: <id>`, the request, its events with their
//! threads, `Request complete`), as the real cqlsh prints it against sibyl.

#[allow(dead_code)]
mod node;

use node::{keyspace_cql, Node};

/// The output with the trace tables' volatile cells (ids, times, elapsed microseconds) masked
/// and their padding removed.
fn masked(stdout: &str) -> String {
    let mut lines = Vec::new();
    for line in stdout.lines() {
        if let Some(id) = line.strip_prefix("Tracing session: ") {
            assert_eq!(id.len(), 36, "{line}");
            assert_eq!(&id[14..15], "1", "a time-based uuid: {line}");
            lines.push("Tracing session: <id>".to_string());
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
        if cells.len() == 5 && cells[0] != "activity" {
            let ts = if cells[1].ends_with("+00:00") { "<time+00:00>" } else { "<time>" };
            assert!(cells[1].starts_with("20"), "{line}");
            let elapsed = if cells[3] == "0" { "0" } else { "<us>" };
            assert!(cells[3].parse::<u64>().is_ok(), "{line}");
            lines.push(format!("{} | {ts} | {} | {elapsed} | {}", cells[0], cells[2], cells[4]));
        } else if line.starts_with("---") && line.contains("-+-") && line.matches("-+-").count() == 4 {
            lines.push("---".to_string());
        } else {
            lines.push(cells.join(" | "));
        }
    }
    lines.join("\n")
}

#[test]
fn tracing_on_prints_each_statements_trace() {
    let node = Node::start();
    node.ok(&["-e", &format!("{} CREATE TABLE tr.t (k int PRIMARY KEY, v text);", keyspace_cql("tr"))]);
    let run = node.cqlsh(
        &[],
        Some(
            "TRACING
TRACING ON
TRACING ON
INSERT INTO tr.t (k, v) VALUES (1, 'a');
SELECT * FROM tr.t WHERE k = 1;
SELECT count(*) FROM system_traces.sessions;
TRACING OFF
TRACING OFF
TRACING maybe
SELECT v FROM tr.t WHERE k = 1;
",
        ),
    );
    assert_eq!(run.stderr, "<stdin>:10:Improper TRACING command.\n");
    let expected = "TRACING is OFF
TRACING set to ON
TRACING is already ON

Tracing session: <id>

activity | timestamp | source | source_elapsed | client
---
Execute CQL3 query | <time> | 127.0.0.1 | 0 | 127.0.0.1
Parsing INSERT INTO tr.t (k, v) VALUES (1, 'a'); [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Preparing statement [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Determining replicas for mutation [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Appending to commitlog [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Adding to t memtable [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Request complete | <time> | 127.0.0.1 | <us> | 127.0.0.1


k | v
---+---
1 | a

(1 rows)

Tracing session: <id>

activity | timestamp | source | source_elapsed | client
---
Execute CQL3 query | <time> | 127.0.0.1 | 0 | 127.0.0.1
Parsing SELECT * FROM tr.t WHERE k = 1; [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Preparing statement [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Executing single-partition query on t [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Read 1 live rows and 0 tombstone cells [sibyl-native] | <time+00:00> | 127.0.0.1 | <us> | 127.0.0.1
Request complete | <time> | 127.0.0.1 | <us> | 127.0.0.1


count
-------
2

(1 rows)

Warnings :
Aggregation query used without partition key

TRACING set to OFF
TRACING is already OFF

v
---
a

(1 rows)";
    assert_eq!(masked(&run.stdout), expected, "\n{}", run.stdout);
}
