//! End-to-end tests: one test binary (one link step), a module per area.

mod anti_affinity;
mod argo_routes;
mod baseline;
mod blue_green_analysis;
mod calibrate_scenario;
mod check;
mod check_look_at;
mod cli;
mod cluster_autoscaler;
mod cluster_autoscaler_cli;
mod column_docs;
mod compare;
mod control_plane;
mod daemon_set;
mod daemon_set_nodes;
mod deferred_walks;
mod detection;
mod dry_run;
mod engine;
mod experiment;
mod experiment_outputs;
mod flag_conflicts;
mod flagger;
mod flagger_ab;
mod flagger_gates;
mod flagger_load_test;
mod flagger_mirror;
mod flagger_skip;
mod golden;
mod gossip;
mod help;
mod host_ports;
mod import;
mod import_anti_affinity;
mod import_argo;
mod import_argo_dry_run;
mod import_argo_experiment;
mod import_argo_fields;
mod import_argo_refusals;
mod import_argo_routes;
mod import_budget;
mod import_command;
mod import_compose;
mod import_daemonset;
mod import_fields;
mod import_files;
mod import_flagger;
mod import_flagger_ab;
mod import_flagger_load_tests;
mod import_flagger_mirror;
mod import_flagger_retries;
mod import_folders;
mod import_fuzz;
mod import_lists;
mod import_namespaces;
mod import_once;
mod import_references;
mod import_selector;
mod import_server_output;
mod import_set;
mod import_statefulset;
mod stateful_set;

mod input_errors;
mod kubernetes;
mod lint;
mod metrics;
mod node_drain;
mod node_drain_flagger;
mod node_loss;
mod odd_inputs;
mod one_grammar;
mod pgo_wrapper;
mod pinned_draws;
mod placement;
mod placement_fields;
mod placement_filters;
mod placement_progressive;
mod progress_threshold;
mod progressive;
mod promote_full;
mod random_autoscaler;
mod random_scenarios;
mod report;
mod report_compare;
mod report_run;
mod report_sweep;
mod report_trial;
mod reporter;
mod retries;
mod rotation;
mod router_order;
mod run_folder;
mod scenario_gen;
mod scenario_gen_argo;
mod scenario_gen_autoscaler;
mod scenario_gen_controllers;
mod scenario_gen_fleet;
mod scenario_gen_placement;
mod scenario_gen_reach;
mod scenario_gen_traffic;
mod scenarios;
mod schema;
mod schema_validator;
mod schema_values;
mod seed;
mod shards;
mod support;
mod swarm_drain;
mod swarm_global;
mod swarm_properties;
mod swarm_spread;
mod swarm_timelines;
mod sweep;
mod sweep_skip_invalid;
mod terminating;
mod timeline;
mod trace_measurements;
mod traffic;
mod trial_pick;

use rollout_sim::experiment::{TrafficResult, TrialResult};
use rollout_sim::scenario::{Format, Scenario, load_str};
use rollout_sim::trial::Workspace;

/// The names in `dir`, sorted.
pub fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every shipped scenario: the examples (`scenarios/`) and the benchmarks (`benches/`),
/// sorted by path.
pub fn examples_and_benches() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = ["scenarios", "benches"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Load a YAML scenario given inline.
pub fn yaml(text: &str) -> Scenario {
    match load_str(text, "test.yaml", Format::Yaml, &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario does not load:\n{e}"),
    }
}

/// Run trial 0 of a scenario.
pub fn trial(s: &Scenario) -> TrialResult {
    Workspace::new(s).run(0)
}

/// The traffic result of a trial whose scenario has traffic.
pub fn traffic(r: &TrialResult) -> TrafficResult {
    r.traffic.expect("the scenario has traffic")
}
