//! Every cell of a row, column by column, with the column known at compile time: the
//! per-trial path of the sinks (`trials.csv`, the summary's columns).
//!
//! A loop over [`COLUMNS`] calls each extractor through a function pointer and gets a
//! [`Cell`] back in memory, then matches on it: about 65 instructions a cell, 2,500 a
//! `trials.csv` row, as much as a fortieth of a small trial. [`visit_cells`] instead calls
//! [`CellVisitor::visit`] once per column with the column's index as a constant, so the
//! extractor is a constant function, inlined, and the `Cell` it builds is matched away
//! (an `Int` column never tests for a float). The columns, their order and their
//! extractors stay those of the one table, [`COLUMNS`]: this module only unrolls the loop.

use crate::output::columns::{COLUMNS, Cell, Column};
use crate::result::TrialResult;

/// Column `I` of [`COLUMNS`] as a compile-time constant.
pub struct At<const I: usize>;

impl<const I: usize> At<I> {
    /// The column.
    pub const COLUMN: Column = COLUMNS[I];
    /// Its place among the metric columns ([`Column::is_metric`], in [`COLUMNS`] order),
    /// or `None` for `trial`, `seed` and `outcome`.
    pub const METRIC: Option<usize> = metric_index(I);

    /// The column's cell of `row`.
    #[inline(always)]
    pub fn cell(row: &TrialResult) -> Cell {
        (Self::COLUMN.extract)(row)
    }
}

/// How many metric columns there are ([`Column::is_metric`]).
pub const METRICS: usize = {
    let mut n = 0;
    let mut k = 0;
    while k < COLUMNS.len() {
        if COLUMNS[k].is_metric() {
            n += 1;
        }
        k += 1;
    }
    n
};

/// The place of column `i` among the metric columns, if it is one.
const fn metric_index(i: usize) -> Option<usize> {
    if !COLUMNS[i].is_metric() {
        return None;
    }
    let mut before = 0;
    let mut k = 0;
    while k < i {
        if COLUMNS[k].is_metric() {
            before += 1;
        }
        k += 1;
    }
    Some(before)
}

/// What is done with each cell of a row (see [`visit_cells`]).
pub trait CellVisitor {
    /// Take the cell of column `I` ([`At<I>`](At) describes it).
    fn visit<const I: usize>(&mut self, cell: Cell);
}

/// Calls `v.visit::<I>(cell)` for every column `I` of [`COLUMNS`], in order.
#[inline(always)]
pub fn visit_cells(row: &TrialResult, v: &mut impl CellVisitor) {
    macro_rules! each {
        ($($i:literal)*) => {
            $( v.visit::<$i>(At::<$i>::cell(row)); )*
            // Every column exactly once: a column added to the table must be added here.
            const _: () = assert!(COLUMNS.len() == [$($i),*].len());
        };
    }
    each!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
        32 33 34 35 36 37 38 39 40 41 42 43 44 45 46);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;

    /// Every cell with its column's index and metric place.
    struct Collect(Vec<(usize, Option<usize>, Cell)>);
    impl CellVisitor for Collect {
        fn visit<const I: usize>(&mut self, cell: Cell) {
            self.0.push((I, At::<I>::METRIC, cell));
        }
    }

    #[test]
    fn the_cells_of_the_table_in_order() {
        let row = sample_row();
        let mut got = Collect(Vec::new());
        visit_cells(&row, &mut got);
        let metrics: Vec<&str> = COLUMNS
            .iter()
            .filter(|c| c.is_metric())
            .map(|c| c.name)
            .collect();
        assert_eq!(got.0.len(), COLUMNS.len());
        for (k, (i, metric, cell)) in got.0.into_iter().enumerate() {
            assert_eq!(i, k);
            assert_eq!(cell, COLUMNS[k].cell(&row), "{}", COLUMNS[k].name);
            assert_eq!(
                metric.map(|m| metrics[m]),
                COLUMNS[k].is_metric().then_some(COLUMNS[k].name)
            );
        }
    }
}
