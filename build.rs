//! Rebuild when the profile-guided-optimisation profile changes: `pgo/rustc` hands it to
//! rustc behind cargo's back, so cargo would otherwise keep a binary optimised with the old
//! one after `pgo/refresh`.

fn main() {
    println!("cargo::rerun-if-changed=pgo/rollout-sim.profdata");
    println!("cargo::rerun-if-changed=pgo/llvm-major");
    println!("cargo::rerun-if-changed=pgo/rustc");
    println!("cargo::rerun-if-env-changed=ROLLOUT_SIM_PGO");
}
