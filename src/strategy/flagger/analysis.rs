//! One analysis of Flagger's loop (`fluxcd/flagger@15bd6ad`, v1.44.0,
//! `pkg/controller/scheduler.go:runAnalysis`, and `scheduler_hooks.go:runPreRolloutHooks`
//! before the first): the `rollout` (`pre-rollout`) webhooks, the load tests they
//! hand the flagger-loadtester's task runner ([`super::hey`], `pkg/loadtester/runner.go`),
//! and the built-in metric checks ([`crate::analysis::flagger`]).

use super::Flagger;
use super::config::Builtin;
use super::hey::LoadTest;
use super::webhooks::HookType;
use crate::analysis::flagger::{request_duration, request_success_rate};
use crate::analysis::histogram_quantile::ENVOY_BUCKETS_MS;
use crate::analysis::{Measure, Measurement, Phase, Role, RunName, Taken, WindowCounts};
use crate::cluster::Cluster;
use crate::cluster::load_test::LoadRun;
use crate::scenario::NEXT;
use crate::sim::time::Time;
use crate::traffic::window::Reporter;

impl<'s> Flagger<'s> {
    /// `runAnalysis`: the `rollout` webhooks in order (a gate that answers no fails the
    /// analysis before any metric; a load test is handed to the task runner), then the
    /// built-in checks measured at this instant. No measurement at this instant means no
    /// values (failed), unless nothing is checked at all.
    pub(super) fn run_analysis(&mut self, cl: &mut Cluster, now: Time) -> bool {
        if !self.call_hooks(cl, now, HookType::Rollout, "external check") {
            return false;
        }
        let checked = self.checked.filter(|&(at, _)| at == now);
        if checked.is_some() {
            for taken in &self.check_notes {
                cl.trace_measurement(|| taken.record());
            }
        }
        self.cfg.metrics.is_empty() || checked.is_some_and(|(_, passed)| passed)
    }

    /// `runPreRolloutHooks`, at the first tick of the analysis: the `pre-rollout` webhooks
    /// in order, as the `rollout` ones are called (a gate that answers no fails, a load
    /// test is handed to the task runner).
    pub(super) fn run_pre_rollout(&mut self, cl: &mut Cluster, now: Time) -> bool {
        self.call_hooks(cl, now, HookType::PreRollout, "pre-rollout check")
    }

    /// The webhooks of `kind` in order: a load test is handed to the task runner (202, a
    /// pass); the first gate that answers no stops with upstream's event, "Halt
    /// advancement {what} NAME failed".
    fn call_hooks(&mut self, cl: &mut Cluster, now: Time, kind: HookType, what: &str) -> bool {
        for hook in self.cfg.webhooks.iter().filter(|h| h.kind == kind) {
            if let Some(test) = hook.load_test() {
                self.start_load_test(cl, &hook.name, test, now);
            } else if !hook.passes(self.gates) {
                let name = &hook.name;
                cl.trace_update("progressing", || {
                    Some(format!("Halt advancement {what} {name} failed"))
                });
                return false;
            }
        }
        true
    }

    /// The task runner handed `test` at `now`: it starts unless the same command still
    /// runs (`runner.go:runAll`; the task's key is the Canary's name and the command).
    fn start_load_test(&mut self, cl: &mut Cluster, name: &str, test: &'s LoadTest, now: Time) {
        let running = self
            .load_tests
            .iter()
            .any(|&(cmd, run)| cmd == test.command && cl.load_runs[run].until > now);
        if running {
            return;
        }
        self.load_tests.push((&test.command, cl.load_runs.len()));
        cl.load_runs.push(LoadRun {
            from: now,
            until: now.saturating_add(test.duration),
            rps: test.rps,
            version: NEXT,
        });
        cl.trace_update("load_test", || Some(format!("{name}: {}", test.command)));
    }

    /// Whether the built-in checks all pass on the canary's requests of each metric's
    /// window ending now (`runBuiltinMetricChecks`: the first failure stops); each check
    /// made is added to `notes`.
    pub(super) fn run_checks(
        &self,
        now: Time,
        source: &mut dyn Measure,
        notes: &mut Vec<Taken<'static>>,
    ) -> bool {
        self.cfg.metrics.iter().all(|m| {
            let from = now.saturating_sub(m.interval);
            let (check, window) = match m.builtin {
                Builtin::SuccessRate => {
                    // Istio's query counts the canary pods' sidecars' requests
                    // (`reporter="destination"`), the kubernetes provider's the app's own.
                    let window = source.window(Role::Canary, Reporter::Destination, from, now);
                    let counts = WindowCounts::of(&window);
                    (request_success_rate(&window, m.range), Some(counts))
                }
                Builtin::Duration => {
                    let buckets = ENVOY_BUCKETS_MS;
                    let cumulative = source.latency_buckets(Role::Canary, from, now, &buckets);
                    (request_duration(&cumulative, m.range), None)
                }
            };
            notes.push(Taken {
                run: RunName::Flagger,
                metric: m.builtin.name(),
                measurement: Measurement {
                    at: now,
                    phase: if check.failed() {
                        Phase::Failed
                    } else {
                        Phase::Successful
                    },
                    value: check.value().unwrap_or(f64::NAN),
                },
                window,
                dry_run: false,
            });
            !check.failed()
        })
    }
}

/// Cut every load test still running at `now`: from the promotion or the rollback no
/// check reads the canary's requests any more (see the module docs).
pub(super) fn stop_load_tests(cl: &mut Cluster, now: Time) {
    for run in &mut cl.load_runs {
        if run.until > now {
            run.until = now.max(run.from);
        }
    }
}
