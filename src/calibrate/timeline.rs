//! A recorded rollout timeline, read from CSV or from a `run --trace` JSON Lines file.
//!
//! CSV: a header row naming at least `t, task, slot, version, state` (any order, extra
//! columns ignored; `node` is read when present). `t` is seconds since the update
//! command; `state` is one of the trace's task states (`pending, pulling, prepared,
//! starting, running, ready, terminating, stopped, failed`). A row with an empty `task`
//! and a rollout state (`updating`, `paused`, `completed`, `rollback_started`, …) records
//! the rollout's own state change. Lines starting with `#` are comments. JSON Lines: the
//! `--trace` format, `task` and `update`
//! events (others are skipped). Rows need not be sorted.
//!
//! Refused with the line: a header naming a column twice, a row with more cells than the
//! header names columns, a row ending before a required column (later cells, `node` and
//! ignored extras, may be left off).

use crate::cluster::TaskState;
use crate::scenario::json;
use crate::sim::time::{Time, from_secs_f64};
use serde_json::Value;
use std::collections::HashMap;
use thiserror::Error;

/// One task state change.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEvent {
    /// Seconds since the update command, as integer microseconds.
    pub t: Time,
    /// Index of the task in [`Timeline::tasks`].
    pub task: usize,
    /// The new state.
    pub state: TaskState,
}

/// What is known about one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    /// Its id as recorded.
    pub id: String,
    /// Its slot as recorded.
    pub slot: String,
    /// Its version as recorded.
    pub version: String,
    /// Its node, if recorded.
    pub node: Option<String>,
}

/// One rollout's timeline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Where it was read from, for messages.
    pub source: String,
    /// Every task seen, in order of first appearance.
    pub tasks: Vec<TaskInfo>,
    /// Task state changes, sorted by time (stable: same-instant rows keep file order).
    pub events: Vec<TaskEvent>,
    /// Rollout state changes (`updating`, …), sorted by time.
    pub updates: Vec<(Time, String)>,
}

/// A timeline that cannot be read.
#[derive(Debug, Error)]
pub enum TimelineError {
    /// Not well-formed CSV.
    #[error("not a valid CSV file: {0}")]
    Csv(#[from] csv::Error),
    /// A required CSV column is missing.
    #[error("no `{0}` column in the header (need t, task, slot, version, state)")]
    MissingColumn(&'static str),
    /// A value that does not hold what its field needs.
    #[error("line {line}, `{field}`: expected {expected}, found `{found}`")]
    BadValue {
        /// 1-based line number.
        line: u64,
        /// The field's name.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
        /// What was written.
        found: String,
    },
    /// A header naming one column twice: which of the two a row means is unknown.
    #[error(
        "line {line}, `{column}`: expected each column named once in the header, found \
         `{column}` as columns {first} and {second}"
    )]
    DuplicateColumn {
        /// 1-based line number of the header.
        line: u64,
        /// The name given twice.
        column: String,
        /// 1-based position of its first column.
        first: usize,
        /// 1-based position of the second.
        second: usize,
    },
    /// A row with more cells than the header names columns (a cell holding an unquoted
    /// comma, or a shifted row): which column a cell belongs to is unknown.
    #[error(
        "line {line}: expected at most {columns} cells, one per column of the header (line \
         {header}), found {found}; quote a value that holds a comma"
    )]
    TooManyCells {
        /// 1-based line number.
        line: u64,
        /// Columns of the header.
        columns: usize,
        /// 1-based line number of the header.
        header: u64,
        /// Cells of the row.
        found: usize,
    },
    /// A row that ends before a required column.
    #[error(
        "line {line}: expected at least {needed} cells, one per column of the header (line \
         {header}) up to `{column}`, found {found}"
    )]
    TooFewCells {
        /// 1-based line number.
        line: u64,
        /// Cells up to the last required column.
        needed: usize,
        /// The last required column.
        column: &'static str,
        /// 1-based line number of the header.
        header: u64,
        /// Cells of the row.
        found: usize,
    },
    /// A file with nothing but blank lines (and, in CSV, `#` comments).
    #[error(
        "the file is empty (or holds only blank lines and comments): expected a CSV header \
         naming t, task, slot, version, state and one row per state change, or the JSON \
         Lines of `run --trace`"
    )]
    Blank,
    /// A JSON Lines line that is not a JSON object.
    #[error("line {line}: not a JSON object: {message}")]
    Json {
        /// 1-based line number.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// Nothing to calibrate from.
    #[error("no task events")]
    Empty,
}

/// The task states of the trace, by name.
const STATES: &[(&str, TaskState)] = &[
    ("pending", TaskState::Pending),
    ("pulling", TaskState::Pulling),
    ("prepared", TaskState::Prepared),
    ("backoff", TaskState::BackOff),
    ("starting", TaskState::Starting),
    ("running", TaskState::Running),
    ("ready", TaskState::Ready),
    ("terminating", TaskState::Terminating),
    ("stopped", TaskState::Stopped),
    ("failed", TaskState::Failed),
];

/// The rollout states of the trace.
const UPDATE_STATES: &[&str] = &[
    "updating",
    "paused",
    "completed",
    "rollback_started",
    "rollback_paused",
    "rollback_completed",
];

const EXPECTED_STATE: &str = "a task state (pending, pulling, prepared, starting, running, ready, terminating, stopped, failed)";
const EXPECTED_TIME: &str = "a number of seconds since the update command, at least 0 and \
     below 100000000 (a Unix timestamp, as `docker events` prints, is not: subtract the update \
     command's time)";

/// The largest `t` taken, about 3 years. A recording spans minutes to hours; a `t` this
/// large is a Unix timestamp, which made the first `updating` row an `update_start` of
/// decades (every later phase is a difference and came out right, so nothing else showed
/// it), or so large it saturated to the simulator's `never`.
const MAX_T_SECONDS: f64 = 1e8;

/// A `t` read as a number: finite, at least 0, below [`MAX_T_SECONDS`].
fn valid_t(f: f64) -> Option<Time> {
    (f.is_finite() && (0.0..MAX_T_SECONDS).contains(&f)).then(|| from_secs_f64(f))
}

/// Builds a timeline row by row.
#[derive(Default)]
struct Builder {
    timeline: Timeline,
    index: HashMap<String, usize>,
}

impl Builder {
    fn task(&mut self, info: TaskInfo) -> usize {
        if let Some(&i) = self.index.get(&info.id) {
            let known = &mut self.timeline.tasks[i];
            if known.node.is_none() {
                known.node = info.node;
            }
            return i;
        }
        let i = self.timeline.tasks.len();
        self.index.insert(info.id.clone(), i);
        self.timeline.tasks.push(info);
        i
    }

    fn finish(mut self, source: &str) -> Result<Timeline, TimelineError> {
        if self.timeline.events.is_empty() {
            return Err(TimelineError::Empty);
        }
        self.timeline.source = source.to_string();
        self.timeline.events.sort_by_key(|e| e.t);
        self.timeline.updates.sort_by_key(|u| u.0);
        Ok(self.timeline)
    }
}

fn state(name: &str) -> Option<TaskState> {
    STATES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

fn seconds(s: &str) -> Option<Time> {
    s.parse::<f64>().ok().and_then(valid_t)
}

/// The line a CSV record starts on. The reader's position is where it began reading,
/// before the comment and empty lines it skipped to reach the record: counted here.
fn line_of(text: &str, p: &csv::Position) -> u64 {
    let rest = usize::try_from(p.byte())
        .ok()
        .and_then(|b| text.get(b..))
        .unwrap_or("");
    let skipped = rest
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('#') || l.trim_end_matches(['\r', '\n']).is_empty())
        .count();
    p.line() + skipped as u64
}

impl Timeline {
    /// Read a timeline: JSON Lines when `source` (its file name) ends in `.jsonl` or
    /// `.ndjson`, or when the text starts with `{`; CSV otherwise. The name comes first, so
    /// that a JSON Lines file whose first line is broken is told so, not read as a CSV
    /// header without a `t` column.
    pub fn parse(text: &str, source: &str) -> Result<Timeline, TimelineError> {
        let named_jsonl = std::path::Path::new(source)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
        if named_jsonl || text.trim_start().starts_with('{') {
            Timeline::from_jsonl(text, source)
        } else {
            Timeline::from_csv(text, source)
        }
    }

    /// Read the CSV form.
    pub fn from_csv(text: &str, source: &str) -> Result<Timeline, TimelineError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader.headers()?.clone();
        if headers.is_empty() {
            return Err(TimelineError::Blank);
        }
        let header = headers.position().map_or(1, |p| line_of(text, p));
        // An empty name (a trailing comma) names no column, so it cannot name one twice.
        for (i, name) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
            if let Some(first) = headers.iter().take(i).position(|h| h == name) {
                return Err(TimelineError::DuplicateColumn {
                    line: header,
                    column: name.to_string(),
                    first: first + 1,
                    second: i + 1,
                });
            }
        }
        let column = |name: &'static str| {
            headers
                .iter()
                .position(|h| h == name)
                .map(|i| (i, name))
                .ok_or(TimelineError::MissingColumn(name))
        };
        let required = [
            column("t")?,
            column("task")?,
            column("slot")?,
            column("version")?,
            column("state")?,
        ];
        let [t, task, slot, version, st] = required.map(|(i, _)| i);
        // Cells after the last required one (`node`, ignored extras) may be left off.
        let (last, last_name) = required.into_iter().max().expect("five columns");
        let node = headers.iter().position(|h| h == "node");
        let mut b = Builder::default();
        for record in reader.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| line_of(text, p));
            if record.len() > headers.len() {
                return Err(TimelineError::TooManyCells {
                    line,
                    columns: headers.len(),
                    header,
                    found: record.len(),
                });
            }
            if record.len() <= last {
                return Err(TimelineError::TooFewCells {
                    line,
                    needed: last + 1,
                    column: last_name,
                    header,
                    found: record.len(),
                });
            }
            let get = |i: usize| record.get(i).unwrap_or("");
            let bad = |field, expected, found: &str| TimelineError::BadValue {
                line,
                field,
                expected,
                found: found.to_string(),
            };
            let at = seconds(get(t)).ok_or_else(|| bad("t", EXPECTED_TIME, get(t)))?;
            if get(task).is_empty() {
                let s = get(st);
                if !UPDATE_STATES.contains(&s) {
                    return Err(bad(
                        "state",
                        "a rollout state on a row without a task (updating, paused, completed, rollback_started, rollback_paused, rollback_completed)",
                        s,
                    ));
                }
                b.timeline.updates.push((at, s.to_string()));
                continue;
            }
            let state = state(get(st)).ok_or_else(|| bad("state", EXPECTED_STATE, get(st)))?;
            let info = TaskInfo {
                id: get(task).to_string(),
                slot: get(slot).to_string(),
                version: get(version).to_string(),
                node: node.map(get).filter(|n| !n.is_empty()).map(str::to_string),
            };
            let task = b.task(info);
            b.timeline.events.push(TaskEvent { t: at, task, state });
        }
        b.finish(source)
    }

    /// Read the `--trace` JSON Lines form.
    pub fn from_jsonl(text: &str, source: &str) -> Result<Timeline, TimelineError> {
        if text.trim().is_empty() {
            return Err(TimelineError::Blank);
        }
        let mut b = Builder::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i as u64 + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let v: Value = json::parse_last_key_wins(raw).map_err(|e| TimelineError::Json {
                line,
                message: e.to_string(),
            })?;
            let bad = |field, expected, found: &Value| TimelineError::BadValue {
                line,
                field,
                expected,
                found: found.to_string(),
            };
            let t = v
                .get("t")
                .and_then(Value::as_f64)
                .and_then(valid_t)
                .ok_or_else(|| bad("t", EXPECTED_TIME, v.get("t").unwrap_or(&Value::Null)))?;
            let text_of = |key: &str| match v.get(key) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            match v.get("event").and_then(Value::as_str) {
                Some("task") => {
                    let st = text_of("state").unwrap_or_default();
                    let state = state(&st)
                        .ok_or_else(|| bad("state", EXPECTED_STATE, &Value::from(st.as_str())))?;
                    let id = text_of("task").ok_or_else(|| {
                        bad("task", "a task id", v.get("task").unwrap_or(&Value::Null))
                    })?;
                    let info = TaskInfo {
                        id,
                        slot: text_of("slot").unwrap_or_default(),
                        version: text_of("version").unwrap_or_default(),
                        node: text_of("node"),
                    };
                    let task = b.task(info);
                    b.timeline.events.push(TaskEvent { t, task, state });
                }
                Some("update") => {
                    if let Some(s) = text_of("state") {
                        b.timeline.updates.push((t, s));
                    }
                }
                _ => {}
            }
        }
        b.finish(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_in_any_order_with_rollout_rows() {
        let text = "t,task,slot,version,state,node\n\
                    0.2,a,1,v2,prepared,n1\n\
                    0,a,1,v2,pending,\n\
                    0.03,,,,updating,\n";
        let tl = Timeline::parse(text, "x.csv").unwrap();
        assert_eq!(tl.tasks.len(), 1);
        assert_eq!(tl.tasks[0].node.as_deref(), Some("n1"));
        assert_eq!(tl.events[0].state, TaskState::Pending);
        assert_eq!(tl.events[1].t, 200_000);
        assert_eq!(tl.updates, [(30_000, "updating".to_string())]);
    }

    #[test]
    fn csv_errors_name_the_line_and_field() {
        let e = Timeline::parse("t,task,slot,state\n", "x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no `version` column in the header (need t, task, slot, version, state)"
        );
        let e = Timeline::parse("t,task,slot,version,state\n1,a,0,v,runing\n", "x").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 2, `state`: expected a task state"),
            "{e}"
        );
        let e = Timeline::parse("t,task,slot,version,state\n-1,a,0,v,ready\n", "x").unwrap_err();
        assert!(
            e.to_string().starts_with("line 2, `t`: expected a number"),
            "{e}"
        );
        // A Unix timestamp is not seconds since the update command (it made an
        // `update_start` of decades), nor is a number that saturates to `never`.
        for t in ["1764614400.025", "1e300"] {
            let text = format!("t,task,slot,version,state\n0,a,0,v,ready\n{t},,,,updating\n");
            let e = Timeline::parse(&text, "x").unwrap_err().to_string();
            assert!(e.starts_with("line 3, `t`: expected a number"), "{e}");
            assert!(e.contains("a Unix timestamp"), "{e}");
        }
        let json = r#"{"t":0,"event":"task","task":0,"slot":0,"version":"v","state":"ready"}
{"t":1764614400.0,"event":"update","state":"updating"}"#;
        let e = Timeline::parse(json, "x").unwrap_err().to_string();
        assert!(e.contains("a Unix timestamp"), "{e}");
        let e = Timeline::parse("t,task,slot,version,state\n", "x").unwrap_err();
        assert_eq!(e.to_string(), "no task events");
    }

    /// An empty file says it is empty, whichever form it would be read as; a JSON Lines
    /// file whose first line is broken is named by its extension and told at the line.
    #[test]
    fn empty_files_and_broken_json_lines_are_told_as_such() {
        for (text, source) in [
            ("", "x.csv"),
            ("# recorded 2026-01-01\n\n# nothing yet\n", "x.csv"),
            ("", "t.jsonl"),
            ("\n  \n", "t.ndjson"),
        ] {
            let e = Timeline::parse(text, source).unwrap_err().to_string();
            assert!(e.starts_with("the file is empty"), "{source} {text:?}: {e}");
        }
        let e = Timeline::parse("not json\n", "t.JSONL")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 1: not a JSON object: "), "{e}");
        // Without the name, the text decides, as before.
        let e = Timeline::parse("not json\n", "t.txt")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no `t` column"), "{e}");
    }

    #[test]
    fn csv_rows_fit_the_header_each_column_named_once() {
        let err = |text: &str| Timeline::parse(text, "x").unwrap_err().to_string();
        // Refused: which of two `state` columns, or which column a 7th cell, is meant
        // cannot be told (the second `state` was ignored, the 7th cell dropped).
        assert_eq!(
            err("# recorded\nt,task,slot,version,state,node,state\n0,a,1,v,ready,n,stopped\n"),
            "line 2, `state`: expected each column named once in the header, found `state` \
             as columns 5 and 7"
        );
        assert_eq!(
            err("t,task,slot,version,state,node\n0,a,1,v,ready,n\n# c\n\n1,a,1,v,stopped,n,x\n"),
            "line 5: expected at most 6 cells, one per column of the header (line 1), found 7; \
             quote a value that holds a comma"
        );
        // A row ending before a required column; `slot` and `version` were read as empty.
        assert_eq!(
            err("t,task,state,slot,version\n0,a,ready\n"),
            "line 2: expected at least 5 cells, one per column of the header (line 1) up to \
             `version`, found 3"
        );
        // Cells after the last required column may be left off, a quoted comma is one
        // cell, and an unnamed column (a trailing comma) is no name given twice.
        let tl = Timeline::parse(
            "t,task,slot,version,state,node,,\n0,a,1,\"v,2\",ready\n0.1,,,,updating\n",
            "x",
        )
        .unwrap();
        assert_eq!(
            (tl.tasks[0].version.as_str(), tl.tasks[0].node.as_deref()),
            ("v,2", None)
        );
    }

    #[test]
    fn json_lines_of_the_trace() {
        let text = r#"{"t":0.0,"event":"task","task":0,"slot":0,"version":"current","node":"node-1","state":"ready"}
{"t":0.02,"event":"update","state":"updating"}
{"t":0.02,"event":"scale","new":1,"old":2}
{"t":0.02,"event":"task","task":6,"slot":0,"version":"next","node":null,"state":"pending"}
"#;
        let tl = Timeline::parse(text, "t.jsonl").unwrap();
        assert_eq!(tl.tasks.len(), 2);
        assert_eq!(tl.tasks[1].id, "6");
        assert_eq!(tl.tasks[1].slot, "0");
        assert_eq!(tl.updates.len(), 1);
        let e = Timeline::parse("{\"t\": 1, \"event\": \"task\", \"state\": \"x\"}\n", "t")
            .unwrap_err();
        assert!(e.to_string().starts_with("line 1, `state`"), "{e}");
        let e = Timeline::parse("{oops\n", "t").unwrap_err();
        assert!(
            e.to_string().starts_with("line 1: not a JSON object"),
            "{e}"
        );
        // Nesting is bounded as in a scenario, and said in its words.
        let deep = format!("{}\n{}\n", &text.lines().next().unwrap(), "[".repeat(200));
        let e = Timeline::parse(&deep, "t").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "line 2: not a JSON object: {}",
                crate::scenario::limits::too_deep(" at line 1, column 65")
            )
        );
    }
}
