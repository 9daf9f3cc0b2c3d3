//! Writing `trials.csv`: the header from [`COLUMNS`], then a line per trial.
//!
//! This runs once per trial, so a row is built without `core::fmt`: its cells are visited
//! with each column a compile-time constant ([`crate::output::cells`]) and their numbers
//! printed straight into a reused buffer ([`number_text`]).

use crate::output::cells::{CellVisitor, visit_cells};
use crate::output::columns::{COLUMNS, Cell};
use crate::output::number_text;
use crate::result::TrialResult;

/// The bytes of `trials.csv` for `rows`: a header line, then one line per row in the given
/// order (the experiment hands them over sorted by trial index).
///
/// ```
/// let csv = rollout_sim::output::trials_csv(&[]);
/// assert!(csv.starts_with(b"trial,seed,outcome,duration_s,"));
/// ```
pub fn trials_csv(rows: &[TrialResult]) -> Vec<u8> {
    // Writing into a Vec cannot fail: the only errors of `csv::Writer` are the
    // underlying writer's I/O errors.
    const INFALLIBLE: &str = "writing CSV into a Vec<u8> cannot fail";
    let mut out = TrialsCsv::new(Vec::with_capacity(64 * (rows.len() + 1))).expect(INFALLIBLE);
    for row in rows {
        out.row(row).expect(INFALLIBLE);
    }
    out.finish().expect(INFALLIBLE)
}

/// `trials.csv` written row by row into any writer: the streaming form of [`trials_csv`]
/// (same bytes), for runs whose rows are never all in memory.
///
/// A row's text is built in a reused buffer by [`number_text`] and written in one call.
/// No field needs CSV quoting (numbers, and outcome names without commas, quotes or line
/// breaks), so the text is the fields joined by commas.
///
/// Consecutive rows mostly differ only in their trial index and duration: the counts and
/// peaks after them, and the empty columns of what was not modelled, repeat from row to
/// row. A row whose other fields are all the last printed row's has the same text after
/// its [`HEAD`] columns, which is copied rather than printed again (about half of a row's
/// cost in a small scenario).
pub struct TrialsCsv<W: std::io::Write> {
    out: W,
    line: Vec<u8>,
    /// The last row printed whole, if any, and its text after the head columns (from the
    /// comma before the next column to the line break).
    last: Option<TrialResult>,
    tail: Vec<u8>,
}

/// How many columns lead every line: `trial`, `seed`, `outcome` and `duration_s`. No other
/// column reads the fields that vary from trial to trial, the index and the duration
/// (`tests::the_tail_reads_neither_index_nor_duration`).
const HEAD: usize = 4;

impl<W: std::io::Write> TrialsCsv<W> {
    /// Start the file: writes the header line.
    pub fn new(mut writer: W) -> std::io::Result<TrialsCsv<W>> {
        let mut line = Vec::with_capacity(256);
        for (i, c) in COLUMNS.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            line.extend_from_slice(c.name.as_bytes());
        }
        line.push(b'\n');
        writer.write_all(&line)?;
        Ok(TrialsCsv {
            out: writer,
            line,
            last: None,
            tail: Vec::with_capacity(256),
        })
    }

    /// Append one row.
    pub fn row(&mut self, row: &TrialResult) -> std::io::Result<()> {
        self.line.clear();
        if self.last.is_some_and(|last| same_but_head(&last, row)) {
            visit_cells(row, &mut Line::<false>::new(&mut self.line));
            self.line.extend_from_slice(&self.tail);
            debug_assert_eq!(self.line, {
                let mut fresh = Vec::new();
                print_whole(&mut fresh, row);
                fresh
            });
        } else {
            let tail_at = print_whole(&mut self.line, row);
            self.tail.clear();
            self.tail.extend_from_slice(&self.line[tail_at..]);
            self.last = Some(*row);
        }
        self.out.write_all(&self.line)
    }

    /// Flush and hand the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether `row` differs from `last` at most in the fields only the head columns read
/// (the trial index and the duration), so that the two lines' texts after those columns
/// are the same.
#[inline]
fn same_but_head(last: &TrialResult, row: &TrialResult) -> bool {
    let row = TrialResult {
        trial: last.trial,
        duration: last.duration,
        ..*row
    };
    row == *last
}

/// Append `row`'s whole line; returns where its text after the head columns starts.
#[inline]
fn print_whole(out: &mut Vec<u8>, row: &TrialResult) -> usize {
    let mut line = Line::<true>::new(out);
    visit_cells(row, &mut line);
    line.out.push(b'\n');
    line.tail_at
}

/// A row's text being built: each cell after a comma but the first; with `WHOLE` false,
/// only the head columns.
struct Line<'a, const WHOLE: bool> {
    out: &'a mut Vec<u8>,
    /// Where the text after the head columns starts (the comma before the next column).
    tail_at: usize,
}

impl<'a, const WHOLE: bool> Line<'a, WHOLE> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Line { out, tail_at: 0 }
    }
}

impl<const WHOLE: bool> CellVisitor for Line<'_, WHOLE> {
    #[inline(always)]
    fn visit<const I: usize>(&mut self, cell: Cell) {
        if I == HEAD {
            if !WHOLE {
                return;
            }
            self.tail_at = self.out.len();
        } else if I > HEAD && !WHOLE {
            return;
        }
        if I > 0 {
            self.out.push(b',');
        }
        push_cell(self.out, cell);
    }
}

/// Append the CSV text of `cell`: its `Display` text.
#[inline(always)]
fn push_cell(out: &mut Vec<u8>, cell: Cell) {
    match cell {
        Cell::Int(v) => number_text::push_u64(out, v),
        Cell::Float(v) => number_text::push_f64(out, v),
        Cell::Str(s) => {
            debug_assert!(!s.contains([',', '"', '\n', '\r']), "{s:?} needs quoting");
            out.extend_from_slice(s.as_bytes());
        }
        Cell::Empty => {}
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;
    use crate::result::Outcome;

    /// The text of `trials.csv` for `rows`.
    pub(crate) fn text(rows: &[TrialResult]) -> String {
        String::from_utf8(trials_csv(rows)).unwrap()
    }

    const HEADER: &str = "trial,seed,outcome,duration_s,min_ready,min_available,peak_tasks,\
peak_cpu,peak_memory,requests,failed_requests,availability,p99_latency_ms,restarts,\
bad_version_requests,update_failures,deadline_exceeded_s,events,refused_requests,\
timed_out_requests,errored_requests,dropped_requests,p50_latency_ms,next_requests,next_share,\
slo_violation_s,p95_latency_ms,peak_running_tasks,event_budget_exceeded,pending_resources,\
pending_affinity,pending_taint,pending_spread,pending_max_replicas_per_node,pending_node_down,\
detected,time_to_detect_s,false_rollback,bad_release_requests,dry_run_detected,\
dry_run_false_rollback,pending_unschedulable,drain_s,drains_unfinished,pending_host_port,\
pending_anti_affinity,nodes_added\n";

    /// A row's line, printed alone (no last row to share text with).
    fn alone(row: &TrialResult) -> String {
        text(std::slice::from_ref(row))[HEADER.len()..].to_string()
    }

    #[test]
    fn the_tail_reads_neither_index_nor_duration() {
        assert_eq!(COLUMNS[HEAD - 1].name, "duration_s");
        let row = sample_row();
        let other = TrialResult {
            trial: 11,
            duration: 0,
            ..row
        };
        for c in &COLUMNS[HEAD..] {
            assert_eq!(c.cell(&row), c.cell(&other), "{}", c.name);
        }
    }

    #[test]
    fn rows_that_share_their_tail_print_as_alone() {
        let a = sample_row();
        let b = TrialResult {
            trial: 4,
            duration: 0,
            traffic: None,
            ..a
        };
        let rows = [
            a,
            TrialResult { trial: 9, ..a },
            b,
            TrialResult {
                duration: 1_500_000,
                ..b
            },
            TrialResult { verdict: None, ..b },
            TrialResult {
                outcome: Outcome::Completed,
                ..b
            },
            b,
            b,
            a,
        ];
        let expected: String = rows.iter().map(alone).collect();
        assert_eq!(text(&rows), format!("{HEADER}{expected}"));
    }

    #[test]
    fn header_only_for_no_rows() {
        assert_eq!(text(&[]), HEADER);
    }

    #[test]
    fn exact_bytes_with_and_without_traffic() {
        let full = sample_row();
        let bare = TrialResult {
            trial: 4,
            outcome: Outcome::Completed,
            duration: 47_000_000,
            traffic: None,
            deadline_exceeded_at: None,
            peak_cpu_millis: 3_000,
            update_failures: 0,
            update_failures_modelled: false,
            verdict: None,
            drains: None,
            nodes_added: None,
            ..sample_row()
        };
        assert_eq!(
            text(&[full, bare]),
            format!(
                "{HEADER}\
3,42,rolled_back,130.123456,4,3,8,4.5,2147483648,2000,5,0.9975,23.5,2,120,1,600,1234,\
3,0,1,1,12.25,500,0.25,20,21.75,7,0,0,1,,,0,0,1,95.5,,110,1,,0,75.5,1,0,,2\n\
4,42,completed,47,4,3,8,3,2147483648,,,,,2,,,,1234,,,,,,,,,,7,0,0,1,,,0,0,,,,,,,0,,,0,,\n"
            )
        );
    }
}
