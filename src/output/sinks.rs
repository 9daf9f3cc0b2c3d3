//! The sinks a run's trials flow into (see [`crate::experiment::Sink`]): `trials.csv`
//! streamed to disk, the summary, the timeline trials and the traced trial.
//!
//! Each takes the first variant's trial (a run has one variant; a sweep or a comparison
//! wraps one sink per variant in [`PerVariant`](crate::experiment::PerVariant)).

use crate::cluster::TraceRecord;
use crate::experiment::{Sink, Trial};
use crate::output::SummaryBuilder;
use crate::output::csv::TrialsCsv;
use crate::output::summary::Summary;
use crate::trial::TrialTimeline;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

/// `trials.csv` written row by row as trials finish.
pub struct CsvSink {
    csv: TrialsCsv<BufWriter<File>>,
}

impl CsvSink {
    /// Create `path` and write the header.
    pub fn create(path: &Path) -> io::Result<CsvSink> {
        let file = BufWriter::with_capacity(1 << 16, File::create(path)?);
        Ok(CsvSink {
            csv: TrialsCsv::new(file)?,
        })
    }

    /// Flush and sync the file.
    pub fn finish(self) -> io::Result<()> {
        let file = self.csv.finish()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

impl Sink for CsvSink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        self.csv.row(&trials[0].result)
    }
}

/// The run's statistics, built as trials arrive (a [`SummaryBuilder`]: a compact column
/// per metric, not the rows).
#[derive(Debug)]
pub struct SummarySink {
    builder: SummaryBuilder,
    events: u64,
}

impl SummarySink {
    /// For a run of `scenario` with `seed`.
    pub fn new(scenario: &str, seed: u64) -> SummarySink {
        SummarySink {
            builder: SummaryBuilder::new(scenario, seed),
            events: 0,
        }
    }

    /// The summary of everything pushed (not marked partial).
    pub fn finish(&self) -> Summary {
        self.builder.finish()
    }

    /// Engine events over every trial pushed (for the performance line).
    pub fn events(&self) -> u64 {
        self.events
    }
}

impl Sink for SummarySink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        self.events += trials[0].result.events;
        self.builder.push(&trials[0].result);
        Ok(())
    }
}

/// The timelines recorded during the run, in trial order, and the longest duration among
/// the timeline trials (a timeline without traffic takes its sample step from it).
#[derive(Debug, Default)]
pub struct TimelineSink {
    range: Option<std::ops::Range<u64>>,
    /// One per recorded trial.
    pub series: Vec<TrialTimeline>,
    /// The longest duration of a trial in the range.
    pub longest: crate::sim::time::Time,
}

impl TimelineSink {
    /// Watch the trials of `range` (none: this sink does nothing).
    pub fn new(range: Option<std::ops::Range<u64>>) -> TimelineSink {
        TimelineSink {
            range,
            ..TimelineSink::default()
        }
    }
}

impl Sink for TimelineSink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        let t = &trials[0];
        if self
            .range
            .as_ref()
            .is_some_and(|r| r.contains(&t.result.trial))
        {
            self.longest = self.longest.max(t.result.duration);
        }
        if let Some(tl) = &t.timeline {
            self.series.push(tl.clone());
        }
        Ok(())
    }
}

/// The event log of the traced trial.
#[derive(Debug, Default)]
pub struct TraceSink {
    /// Set once the traced trial has run.
    pub records: Option<Vec<TraceRecord>>,
}

impl Sink for TraceSink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        if let Some(r) = &trials[0].trace {
            self.records = Some(r.clone());
        }
        Ok(())
    }
}
