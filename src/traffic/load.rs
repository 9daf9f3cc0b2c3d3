//! Load-test requests: the runs of a load generator ([`LoadRun`]) integrated beside the
//! users' traffic.
//!
//! A run sends its requests to its version's pods through a Service (kube-proxy), so each
//! endpoint of the version in rotation gets an equal share, whatever the router's weights
//! or the users' balancer. Their load joins the users' on those endpoints: an endpoint's
//! queue ([`super::queueing`]) sees both streams, so a load test can slow or overload the
//! canary for its users too. With no endpoint of the version in rotation a run's requests
//! reach no pod and no measurement (a proxy with no upstream records no request for the
//! version).
//!
//! The requests are counted apart ([`LoadStream::meter`]): the trial's request columns
//! are the users', while an analysis window of the version counts both
//! ([`super::window`]). A load generator paced by a ticker (`hey -q`) sends a fixed
//! number of requests, so a window counts the expected load requests rounded, split over
//! the outcomes by one multinomial draw (each request's fate independent).

use super::meter::Meter;
use super::window::Recorder;
use crate::cluster::Cluster;
use crate::cluster::load_test::LoadRun;
use crate::sim::time::{NEVER, Time};

/// The load generators' runs as the traffic model integrates them, and what they sent.
#[derive(Debug, Default)]
pub(super) struct LoadStream {
    /// The cluster's runs as last seen.
    runs: Vec<LoadRun>,
    /// Runs before this one stopped before the integration's cursor.
    live: usize,
    /// Requests a second per version over the current piece.
    pub(super) rps: Vec<f64>,
    /// Per version, the rate each of its answering endpoints gets from the load over the
    /// current piece.
    pub(super) per_endpoint: Vec<f64>,
    /// Any run sends over the current piece.
    pub(super) sending: bool,
    /// Expected load requests per bucket and cell, as the users' meter lays them out.
    pub(super) meter: Meter,
    /// Served load requests per bucket, for windows.
    pub(super) recorder: Recorder,
}

impl LoadStream {
    /// Forget the last trial.
    pub(super) fn reset(&mut self, versions: usize) {
        self.runs.clear();
        self.live = 0;
        self.rps.clear();
        self.rps.resize(versions, 0.0);
        self.per_endpoint.clear();
        self.per_endpoint.resize(versions, 0.0);
        self.sending = false;
        self.meter.reset(versions);
        self.recorder.reset();
    }

    /// Whether a load generator ran this trial.
    pub(super) fn started(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Take the cluster's runs as they are now (a controller starts and cuts runs at the
    /// instant it acts, before the integration moves past it).
    pub(super) fn see(&mut self, cl: &Cluster) {
        if cl.load_runs != self.runs {
            self.runs.clone_from(&cl.load_runs);
            self.live = self.live.min(self.runs.len());
        }
    }

    /// The first instant after `a` at which a run starts or stops (`NEVER`: none).
    pub(super) fn next_change(&mut self, a: Time) -> Time {
        while self.runs.get(self.live).is_some_and(|r| r.until <= a) {
            self.live += 1;
        }
        let mut next = NEVER;
        for r in &self.runs[self.live..] {
            if r.from > a {
                next = next.min(r.from);
            } else if r.until > a {
                next = next.min(r.until);
            }
        }
        next
    }

    /// Set [`rps`](Self::rps) and [`sending`](Self::sending) for a piece starting at `a`
    /// (the rates are constant over it: pieces end at [`next_change`](Self::next_change)).
    pub(super) fn begin_piece(&mut self, a: Time) {
        if self.runs.is_empty() {
            return;
        }
        self.rps.iter_mut().for_each(|r| *r = 0.0);
        self.per_endpoint.iter_mut().for_each(|r| *r = 0.0);
        self.sending = false;
        for r in &self.runs[self.live.min(self.runs.len())..] {
            if r.sends_at(a)
                && let Some(x) = self.rps.get_mut(r.version as usize)
            {
                *x += r.rps;
                self.sending = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    fn stream(runs: &[(Time, Time, f64)]) -> LoadStream {
        let mut s = LoadStream::default();
        s.reset(2);
        s.runs = runs
            .iter()
            .map(|&(from, until, rps)| LoadRun {
                from,
                until,
                rps,
                version: 1,
            })
            .collect();
        s
    }

    #[test]
    fn pieces_end_where_a_run_starts_or_stops() {
        let mut s = stream(&[
            (10 * SECOND, 70 * SECOND, 20.0),
            (70 * SECOND, 130 * SECOND, 20.0),
        ]);
        assert_eq!(s.next_change(0), 10 * SECOND);
        assert_eq!(s.next_change(10 * SECOND), 70 * SECOND);
        assert_eq!(s.next_change(70 * SECOND), 130 * SECOND);
        assert_eq!(s.next_change(130 * SECOND), NEVER);
    }

    #[test]
    fn overlapping_runs_add_up() {
        let mut s = stream(&[(0, 60 * SECOND, 20.0), (30 * SECOND, 90 * SECOND, 5.0)]);
        s.begin_piece(40 * SECOND);
        assert_eq!(s.rps, vec![0.0, 25.0]);
        assert!(s.sending);
        s.begin_piece(60 * SECOND);
        assert_eq!(s.rps, vec![0.0, 5.0]);
        s.begin_piece(90 * SECOND);
        assert!(!s.sending);
    }
}
