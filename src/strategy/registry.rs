//! The one place strategies are registered.
//!
//! Each strategy is one [`StrategyDef`] (its folder's `entry.rs`): the key it has under
//! `strategy:` in a scenario, its parser, its defaults, the container runtime it needs (and
//! with it the scheduler that places its tasks, [`Strategy::scheduler`]), the user controls
//! its orchestrator has, its controller factory, its header line and chart limits, and its
//! lint rules. The
//! `strategies!` list at the bottom of this file turns the registered definitions into
//! the scenario's [`Strategy`] enum and the dispatch everything outside the strategy
//! folders goes through, so adding a strategy is one folder plus one line here.

use super::AnyController;
use crate::check::lint::Warning;
use crate::cluster::placer::Scheduler;
use crate::cluster::runtime::RuntimeKind;
use crate::scenario::schema::Ty;
use crate::scenario::walk::Obj;
use crate::scenario::{Scenario, Service};
use crate::sim::time::Time;

/// Schema sections: (`$defs` name, its fields).
pub type Sections = &'static [(&'static str, &'static [&'static str])];
/// Schema field types: (section, field, type).
pub type FieldTypes = &'static [(&'static str, &'static str, Ty)];

/// Everything the rest of the tool needs to know about one strategy.
pub trait StrategyDef {
    /// The parsed `strategy.<KEY>` section.
    type Config: std::fmt::Debug + Clone;
    /// Its key under `strategy:` in a scenario (`swarm`, `kubernetes`).
    const KEY: &'static str;
    /// The fields of `strategy.<KEY>` (upstream's spelling), for the parser and the schema.
    const FIELDS: &'static [&'static str];
    /// `service.stop_grace_period` when the file gives none: the orchestrator's default.
    const STOP_GRACE_PERIOD: Time;
    /// The container runtime the orchestrator drives; it also decides the scheduler that
    /// places the tasks ([`Strategy::scheduler`]).
    const RUNTIME: RuntimeKind;
    /// Its sections for `rollout-sim schema` (`$defs` name, fields), `strategy.<KEY>`
    /// itself (named `KEY`) first.
    const SCHEMA_SECTIONS: Sections;
    /// The type of every field of those sections.
    const SCHEMA_TYPES: FieldTypes;
    /// The user rollout controls its orchestrator has (which `actions:` a scenario may give).
    const CONTROLS: Controls;
    /// How the workload's size is given: `replicas` by default.
    const SIZING: Sizing = Sizing::Replicas;
    /// Whether `service.podDisruptionBudget` is simulated for it, and which of its pods a
    /// budget's selector can match: the disruption controller counts those pods against
    /// the scale of the controllers that own them ([`super::Controller::disruption_budget`]).
    /// Not simulated by default.
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::NotSimulated;

    /// Read `strategy.<KEY>` (every problem recorded on `o`, defaults filled in).
    fn parse(o: &Obj) -> Self::Config;
    /// A controller for trials of a scenario with these settings.
    fn controller(cfg: &Self::Config) -> Box<dyn AnyController + '_>;
    /// The strategy in a few words, for the run header and chart subtitles.
    fn label(cfg: &Self::Config) -> String;
    /// What the run header adds after the label (`, monitor 30s`); nothing by default.
    fn header_extra(_cfg: &Self::Config) -> String {
        String::new()
    }
    /// The chart's reference lines for `replicas`: (label, task count).
    fn limits(cfg: &Self::Config, replicas: u32) -> Vec<(&'static str, u32)>;
    /// Delay between taking a task out of rotation and signalling it to stop.
    fn stop_signal_delay(_cfg: &Self::Config, _service: &Service) -> Time {
        0
    }
    /// Whether the strategy measures the simulated traffic (an analysis): the scenario
    /// then needs `traffic:`, and the trial records the traffic's windows.
    fn measures_traffic(_cfg: &Self::Config) -> bool {
        false
    }
    /// The strategy's own `rollout-sim lint` rules (`threads` for a quick simulation).
    fn lint(_cfg: &Self::Config, _s: &Scenario, _threads: Option<usize>, _out: &mut Vec<Warning>) {}
    /// The wait between one of the controller's tasks turning healthy and the next task it
    /// starts in the same line of work (Swarm's `update_config.delay`): `rollout-sim
    /// calibrate` measures the control plane's hand-off net of it. `None`: no such wait.
    fn hand_off_delay(_cfg: &Self::Config) -> Option<Time> {
        None
    }
}

/// The user rollout controls (`actions:` with `rollout:`, `scale:`, `gate:` or
/// `rollback:`) an orchestrator has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controls {
    /// `kubectl rollout pause|resume|restart|undo [--to-revision]`, a new template
    /// (`rollout: update`) and `kubectl scale`.
    Kubectl,
    /// `docker service update` (`rollout: update`, `scale`) and `docker service rollback`
    /// (`rollout: undo`, to the one previous spec swarmkit keeps).
    DockerService,
    /// `kubectl rollout restart|undo [--to-revision]` of a DaemonSet and a new template
    /// (`rollout: update`): it has no `spec.paused` and no scale.
    KubectlDaemonSet,
    /// `kubectl rollout restart|undo [--to-revision]` of a StatefulSet, a new template
    /// (`rollout: update`) and `kubectl scale`: it has no `spec.paused`.
    KubectlStatefulSet,
    /// `kubectl argo rollouts promote|abort|retry`.
    ArgoRollouts,
    /// The flagger-loadtester's `/gate/open|close` and `/rollback/open|close` (Flagger
    /// itself has no user command).
    FlaggerLoadtester,
}

/// How a strategy's workload is sized (`service.mode`, `service.replicas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// `service.replicas` tasks (`service.mode: global` refused).
    Replicas,
    /// `replicas`, or one task on every node the placement allows with `service.mode:
    /// global` (a Docker Swarm service's `--mode`).
    ReplicasOrGlobal,
    /// One pod on every node the placement allows, whatever `service.mode` says: a
    /// Kubernetes DaemonSet, global by kind (`mode` may only be left out or say `global`).
    OneANode,
}

/// Which of a strategy's pods a PodDisruptionBudget (`service.podDisruptionBudget`) can
/// select, and so whether one is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetSelector {
    /// None is simulated: the scenario refuses a budget.
    NotSimulated,
    /// The app label, which every pod of the service carries whatever controller owns it
    /// (a Deployment's, a StatefulSet's, an Argo Rollout's ReplicaSets): the budget selects
    /// them all, and `selects` is refused.
    EveryPod,
    /// Flagger's two Deployments, whose pods carry different values of the selector label
    /// (the primary's rewritten to `<app>-primary`): a budget selects one of them, which
    /// `selects` names (required).
    PrimaryOrCanary,
}

/// Turn the registered definitions into the [`Strategy`] enum and its dispatch.
macro_rules! strategies {
    ($($(#[$doc:meta])* $variant:ident => $def:ty),+ $(,)?) => {
        /// How the service is rolled out: exactly one registered strategy and its settings.
        #[derive(Debug, Clone)]
        pub enum Strategy {
            $($(#[$doc])* $variant(<$def as StrategyDef>::Config),)+
        }

        /// Every strategy's key under `strategy:`, in registration order.
        pub const KEYS: &[&str] = &[$(<$def as StrategyDef>::KEY),+];

        /// Every strategy's key and the container runtime it needs, in registration order
        /// (for the schema, which has no parsed [`Strategy`] to ask).
        pub const RUNTIMES: &[(&str, RuntimeKind)] =
            &[$((<$def as StrategyDef>::KEY, <$def as StrategyDef>::RUNTIME)),+];

        /// Every strategy's schema sections, in registration order.
        pub fn schema_sections() -> Vec<(&'static str, &'static [&'static str])> {
            let mut out = Vec::new();
            $(out.extend_from_slice(<$def as StrategyDef>::SCHEMA_SECTIONS);)+
            out
        }

        /// Every strategy's schema field types.
        pub fn schema_types() -> Vec<(&'static str, &'static str, Ty)> {
            let mut out = Vec::new();
            $(out.extend_from_slice(<$def as StrategyDef>::SCHEMA_TYPES);)+
            out
        }

        impl Strategy {
            /// Parse the section of the strategy registered under `key` (`None`: no such
            /// strategy).
            pub fn parse(key: &str, o: &Obj) -> Option<Strategy> {
                $(if key == <$def as StrategyDef>::KEY {
                    return Some(Strategy::$variant(<$def as StrategyDef>::parse(o)));
                })+
                None
            }

            /// The fields of the section registered under `key`.
            pub fn fields(key: &str) -> Option<&'static [&'static str]> {
                $(if key == <$def as StrategyDef>::KEY {
                    return Some(<$def as StrategyDef>::FIELDS);
                })+
                None
            }

            /// Its key under `strategy:`.
            pub fn key(&self) -> &'static str {
                match self { $(Strategy::$variant(_) => <$def as StrategyDef>::KEY,)+ }
            }

            /// The orchestrator's default stop grace period.
            pub fn default_stop_grace_period(&self) -> Time {
                match self { $(Strategy::$variant(_) => <$def as StrategyDef>::STOP_GRACE_PERIOD,)+ }
            }

            /// The container runtime the orchestrator drives.
            pub fn runtime(&self) -> RuntimeKind {
                match self { $(Strategy::$variant(_) => <$def as StrategyDef>::RUNTIME,)+ }
            }

            /// A controller for trials of this strategy.
            pub fn controller(&self) -> Box<dyn AnyController + '_> {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::controller(c),)+ }
            }

            /// The strategy in a few words.
            pub fn label(&self) -> String {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::label(c),)+ }
            }

            /// What the run header adds after the label.
            pub fn header_extra(&self) -> String {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::header_extra(c),)+ }
            }

            /// The chart's reference lines beyond `replicas`.
            pub fn limits(&self, replicas: u32) -> Vec<(&'static str, u32)> {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::limits(c, replicas),)+ }
            }

            /// Delay between taking a task out of rotation and signalling it to stop.
            pub fn stop_signal_delay(&self, service: &Service) -> Time {
                match self {
                    $(Strategy::$variant(c) => <$def as StrategyDef>::stop_signal_delay(c, service),)+
                }
            }

            /// Whether the strategy measures the simulated traffic.
            pub fn measures_traffic(&self) -> bool {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::measures_traffic(c),)+ }
            }

            /// The user rollout controls its orchestrator has.
            pub fn controls(&self) -> Controls {
                match self { $(Strategy::$variant(_) => <$def as StrategyDef>::CONTROLS,)+ }
            }

            /// How its workload is sized.
            pub fn sizing(&self) -> Sizing {
                match self { $(Strategy::$variant(_) => <$def as StrategyDef>::SIZING,)+ }
            }

            /// Which of its pods a PodDisruptionBudget can select, if one is simulated.
            pub fn budget_selector(&self) -> BudgetSelector {
                match self {
                    $(Strategy::$variant(_) => <$def as StrategyDef>::DISRUPTION_BUDGET,)+
                }
            }

            /// Whether a PodDisruptionBudget is simulated for it.
            pub fn takes_disruption_budget(&self) -> bool {
                self.budget_selector() != BudgetSelector::NotSimulated
            }

            /// The wait between a task turning healthy and the next one the controller
            /// starts in that line of work, if it has one.
            pub fn hand_off_delay(&self) -> Option<Time> {
                match self { $(Strategy::$variant(c) => <$def as StrategyDef>::hand_off_delay(c),)+ }
            }

            /// The strategy's own lint rules.
            pub fn lint(&self, s: &Scenario, threads: Option<usize>, out: &mut Vec<Warning>) {
                match self {
                    $(Strategy::$variant(c) => <$def as StrategyDef>::lint(c, s, threads, out),)+
                }
            }
        }
    };
}

impl Strategy {
    /// Whose scheduler places its tasks, decided here once from the runtime its entry
    /// gives ([`StrategyDef::RUNTIME`]): the kubelet's pods are bound by kube-scheduler,
    /// whichever controller owns them (a Deployment, an Argo Rollout, Flagger's
    /// Deployments), the Docker engine's Swarm tasks by swarmkit's scheduler. It decides
    /// which placement fields the scenario may give, the filters and their order, and
    /// which `pending_*` columns are filled.
    pub fn scheduler(&self) -> Scheduler {
        scheduler_of(self.runtime())
    }

    /// Whether its pods carry the tolerations the DaemonSet controller adds to every pod
    /// it creates (kubernetes/kubernetes v1.30 `pkg/controller/daemon/util`
    /// `AddOrUpdateDaemonPodTolerations`): `node.kubernetes.io/not-ready` and
    /// `node.kubernetes.io/unreachable` `NoExecute` with no `tolerationSeconds`, so the
    /// taint manager never evicts them from a lost node, and
    /// `node.kubernetes.io/unschedulable` `NoSchedule`, so kube-scheduler's
    /// `NodeUnschedulable` filter lets them onto a cordoned node. The workload sized one
    /// pod a node by kind ([`Sizing::OneANode`]) is the DaemonSet.
    pub fn daemon_pod_tolerations(&self) -> bool {
        self.sizing() == Sizing::OneANode
    }
}

/// Whose scheduler places the tasks of a strategy on `runtime` (see [`Strategy::scheduler`]).
pub fn scheduler_of(runtime: RuntimeKind) -> Scheduler {
    match runtime {
        RuntimeKind::Kubelet => Scheduler::Kubernetes,
        RuntimeKind::Docker => Scheduler::Swarm,
    }
}

// The registry: one line per strategy. The first is the default when a scenario has no
// `strategy:` section (see `Strategy::default`).
strategies! {
    /// Docker Swarm `update_config` / `rollback_config`.
    Swarm => super::swarm::entry::Def,
    /// Kubernetes Deployment `strategy`.
    Kubernetes => super::kubernetes::entry::Def,
    /// Argo Rollouts `canary`.
    Canary => super::canary::entry::CanaryDef,
    /// Argo Rollouts `blueGreen`.
    BlueGreen => super::canary::entry::BlueGreenDef,
    /// Flagger `Canary` analysis.
    Flagger => super::flagger::entry::Def,
    /// Kubernetes DaemonSet `updateStrategy`.
    DaemonSet => super::daemon_set::entry::Def,
    /// Kubernetes StatefulSet `updateStrategy`.
    StatefulSet => super::stateful_set::entry::Def,
}
