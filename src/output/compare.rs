//! `compare.csv` and `compare.json`: every variant against the baseline (the first),
//! metric by metric, on the same trials.
//!
//! `compare.csv` columns: `variant, baseline, metric, n, baseline_mean, variant_mean,
//! diff_mean, diff_ci95_lo, diff_ci95_hi, unpaired_ci95_lo, unpaired_ci95_hi, diff_std,
//! unpaired_std, lower_share, higher_share, verdict` (see the README for each).

use crate::experiment::compare::{Paired, verdict};
use crate::output::columns::{Cell, Column};
use serde_json::{Value, json};

/// A finished comparison, ready to be written.
pub struct CompareReport<'a> {
    /// Variant names; the first is the baseline.
    pub names: &'a [String],
    /// Seed every variant ran on.
    pub seed: u64,
    /// Trials each variant ran.
    pub trials: u64,
    /// `pairs[v − 1]`: variant `v` against the baseline, per metric.
    pub pairs: &'a [Vec<(&'static Column, Paired)>],
    /// Interrupted: fewer trials than asked for.
    pub partial: bool,
}

/// The columns of `compare.csv`.
pub const HEADER: [&str; 16] = [
    "variant",
    "baseline",
    "metric",
    "n",
    "baseline_mean",
    "variant_mean",
    "diff_mean",
    "diff_ci95_lo",
    "diff_ci95_hi",
    "unpaired_ci95_lo",
    "unpaired_ci95_hi",
    "diff_std",
    "unpaired_std",
    "lower_share",
    "higher_share",
    "verdict",
];

impl CompareReport<'_> {
    /// Every (variant, metric) with at least one pair, in variant then column order.
    pub fn rows(&self) -> impl Iterator<Item = (&str, &'static Column, &Paired)> {
        self.pairs.iter().enumerate().flat_map(move |(v, per)| {
            per.iter()
                .filter(|(_, p)| p.n > 0)
                .map(move |(c, p)| (self.names[v + 1].as_str(), *c, p))
        })
    }

    /// The bytes of `compare.csv`.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        const INFALLIBLE: &str = "writing CSV into a Vec<u8> cannot fail";
        out.write_record(HEADER).expect(INFALLIBLE);
        for (name, col, p) in self.rows() {
            let f = |x: f64| Cell::float(x).to_string();
            let [lo, hi] = p.ci95();
            let [ulo, uhi] = p.unpaired_ci95();
            out.write_record([
                name.to_string(),
                self.names[0].clone(),
                col.name.to_string(),
                p.n.to_string(),
                f(p.mean_a()),
                f(p.mean_b()),
                f(p.mean_diff()),
                f(lo),
                f(hi),
                f(ulo),
                f(uhi),
                f(p.diff_std()),
                f(p.unpaired_std()),
                f(p.lower_share().0),
                f(p.higher_share().0),
                verdict(col, p).to_string(),
            ])
            .expect(INFALLIBLE);
        }
        out.into_inner().expect(INFALLIBLE)
    }

    /// The bytes of `compare.json`.
    pub fn json(&self) -> Vec<u8> {
        let metrics: Vec<Value> = self
            .rows()
            .map(|(name, col, p)| {
                let (lower, lower_ci) = p.lower_share();
                let (higher, higher_ci) = p.higher_share();
                json!({
                    "variant": name,
                    "metric": col.name,
                    "n": p.n,
                    "baseline_mean": p.mean_a(),
                    "variant_mean": p.mean_b(),
                    "diff_mean": p.mean_diff(),
                    "diff_ci95": p.ci95(),
                    "unpaired_ci95": p.unpaired_ci95(),
                    "diff_std": p.diff_std(),
                    "unpaired_std": p.unpaired_std(),
                    "lower_share": lower,
                    "lower_share_ci95": lower_ci,
                    "higher_share": higher,
                    "higher_share_ci95": higher_ci,
                    "verdict": verdict(col, p),
                })
            })
            .collect();
        let doc = json!({
            "baseline": self.names[0],
            "variants": self.names,
            "seed": self.seed,
            "trials": self.trials,
            "metrics": metrics,
            "verdicts": self.names[1..].iter().enumerate()
                .map(|(v, n)| (n.clone(), Value::String(self.verdict_line(v))))
                .collect::<serde_json::Map<_, _>>(),
            "partial": self.partial,
        });
        let mut b = serde_json::to_vec_pretty(&doc).expect("JSON values serialise");
        b.push(b'\n');
        b
    }

    /// `pairs[v]`'s metric `name`.
    fn get(&self, v: usize, name: &str) -> Option<&Paired> {
        self.pairs[v]
            .iter()
            .find(|(c, p)| c.name == name && p.n > 0)
            .map(|(_, p)| p)
    }

    /// "start-first is faster in 93% of trials (slower in 5%)": variant `v + 1` against
    /// the baseline on duration.
    pub fn headline(&self, v: usize) -> Option<String> {
        let p = self.get(v, "duration_s")?;
        let shares =
            super::human_text::whole_percents(&[p.lower, p.higher, p.n - p.lower - p.higher]);
        Some(format!(
            "{} is faster than {} in {} of trials, slower in {}, as fast in {}",
            self.names[v + 1],
            self.names[0],
            shares[0],
            shares[1],
            shares[2]
        ))
    }

    /// The verdict of variant `v + 1`: the metrics where it is significantly better or
    /// worse than the baseline (95% paired interval of the mean difference excludes 0).
    pub fn verdict_line(&self, v: usize) -> String {
        let mut better = Vec::new();
        let mut worse = Vec::new();
        for (col, p) in self.pairs[v].iter().filter(|(_, p)| p.n > 0) {
            match verdict(col, p) {
                "better" => better.push(col.name),
                "worse" => worse.push(col.name),
                _ => {}
            }
        }
        let list = |v: &[&str]| {
            if v.is_empty() {
                "nothing".to_string()
            } else {
                v.join(", ")
            }
        };
        format!(
            "verdict: {} vs {}: better on {}; worse on {} (95% paired intervals; other \
             metrics show no significant difference)",
            self.names[v + 1],
            self.names[0],
            list(&better),
            list(&worse)
        )
    }
}
