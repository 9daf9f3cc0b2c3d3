//! Argo Rollouts' `canary` strategy (and the replica arithmetic it shares with `blueGreen`).

pub mod replicas;
