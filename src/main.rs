//! The `rollout-sim` binary: everything lives in the library; see `rollout_sim::cli`.

fn main() -> std::process::ExitCode {
    rollout_sim::cli::main()
}
