//! A metric the simulator cannot measure, refused or left out the same way for an Argo
//! Rollout ([`super::argo_analysis`]: a provider or query of no shape it recognises) and a
//! Flagger Canary ([`super::flagger`]: a metric that is not a built-in check): refused at
//! its path, or, with [`super::Options::drop_unknown_metrics`], left out and reported.
//!
//! Either way the metric's field names are checked in the same run: a misspelt one (an
//! `intervall`) is a typo, refused with the metric's other problems, not instead of them,
//! and not left out with the metric. An import tells every problem of a run together
//! (the module's rule, [`super`]), so a user fixes a manifest in one round.

use super::Options;
use super::api_fields::Schema;
use super::draft::{Draft, Src};

/// A metric the simulator cannot measure.
pub struct Unmeasured<'s, 'a> {
    /// The metric.
    pub metric: &'s Src<'a>,
    /// Its name, for the line that leaves it out.
    pub name: &'s str,
    /// Its type, whose field names it is checked against.
    pub schema: Schema,
    /// Where the refusal is told: the field that makes it unmeasurable.
    pub at: &'s Src<'a>,
    /// Why it cannot be measured.
    pub why: String,
    /// What to write in the imported scenario instead, for the refusal's advice.
    pub instead: &'static str,
}

impl Unmeasured<'_, '_> {
    /// Refuses the metric, or leaves it out with [`Options::drop_unknown_metrics`]; either
    /// way refuses its misspelt field names. Whether it is left out.
    pub fn refuse_or_leave_out(self, opts: &Options, d: &mut Draft) -> bool {
        if opts.drop_unknown_metrics {
            d.known_names(self.metric, self.schema);
            let why = format!("{}: metric `{}` left out", self.why, self.name);
            d.unsupported(self.metric, &why);
            return true;
        }
        d.error(
            self.at,
            format!(
                "{}: {}, or import with --drop-unknown-metrics to leave it out",
                self.why, self.instead
            ),
        );
        // After the refusal, as `Draft::finish` would tell them.
        d.known_names(self.metric, self.schema);
        false
    }
}
