//! Test oracle: the pod deletion order computed the direct way — a key for every active
//! pod of the ReplicaSet, the colocation counts recounted over every task, a full sort —
//! checked against [`super::ranking`] at every scale-down of every test that runs a
//! Deployment, together with the cluster's running counts of wanted tasks (per ReplicaSet
//! and per node).

use super::rank_key::log2_bucket;
use super::ranking::{Ranking, uid};
use crate::cluster::{Cluster, TaskId, TaskState};
use crate::sim::time::NEVER;
use std::cmp::Reverse;

type RankKey = (u8, u8, u8, Reverse<u32>, i64, Reverse<u32>, i64, u64);

/// The first `diff` active pods of ReplicaSet `set` in the deletion order, by sorting them
/// all.
pub fn sorted_choice(cl: &Cluster, ranking: &Ranking, set: usize, diff: usize) -> Vec<TaskId> {
    let now = cl.now();
    let mut per_node = vec![0u32; cl.nodes.len()];
    for t in &cl.tasks {
        if let (true, Some(n)) = (t.is_wanted(), t.node) {
            per_node[n as usize] += 1;
        }
    }
    let mut keys: Vec<(RankKey, TaskId)> = Vec::new();
    for (id, t) in cl.tasks.iter().enumerate() {
        if ranking.owner(id as TaskId) != Some(set) || !t.is_wanted() {
            continue;
        }
        let ready = t.state == TaskState::Ready;
        let key: RankKey = (
            t.node.is_some() as u8,
            if t.run_at == NEVER { 0 } else { 2 },
            ready as u8,
            Reverse(t.node.map_or(0, |n| per_node[n as usize])),
            if ready { log2_bucket(now, t.since) } else { 0 },
            Reverse(t.restarts),
            log2_bucket(now, t.created),
            uid(cl, id as TaskId),
        );
        keys.push((key, id as TaskId));
    }
    keys.sort_unstable();
    keys.iter().take(diff).map(|&(_, p)| p).collect()
}

/// Panic unless the ranking's choice for ReplicaSet `set` is the sorted choice and the
/// running counts match a recount.
pub fn check(cl: &Cluster, ranking: &Ranking, set: usize, diff: usize) {
    count(diff);
    assert_eq!(
        ranking.chosen,
        sorted_choice(cl, ranking, set, diff),
        "deletion order at t={} of ReplicaSet {set}",
        cl.now()
    );
    // Each pod is counted in its ReplicaSet's group, and each group's counts are its pods'.
    let mut want = std::collections::BTreeMap::<u32, (u32, u32, u32)>::new();
    for (id, t) in cl.tasks.iter().enumerate() {
        let owner = ranking.owner(id as TaskId);
        assert_eq!(owner, Some(t.owner as usize), "task {id}'s group");
        let w = want.entry(t.owner).or_default();
        if t.is_wanted() {
            w.0 += 1;
            w.1 += (t.state == TaskState::Ready) as u32;
            w.2 += t.available as u32;
        }
    }
    for (owner, want) in want {
        assert_eq!(
            cl.wanted_of(owner),
            want,
            "counts of ReplicaSet {owner} at t={}",
            cl.now()
        );
    }
    for n in 0..cl.nodes.len() as u32 {
        let count = cl
            .tasks
            .iter()
            .filter(|t| t.is_wanted() && t.node == Some(n))
            .count() as u32;
        assert_eq!(cl.wanted_on_node(n), count, "node {n} at t={}", cl.now());
    }
}

thread_local! {
    /// Scale-downs checked on this thread, and how many of them deleted more than one
    /// pod.
    static CHECKED: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
}

fn count(diff: usize) {
    CHECKED.with(|c| {
        let (all, many) = c.get();
        c.set((all + 1, many + (diff > 1) as u64));
    });
}

#[cfg(test)]
mod tests {
    use super::CHECKED;
    use crate::scenario::{Override, load_file};
    use crate::trial::Workspace;
    use std::path::{Path, PathBuf};

    /// The example scenarios whose file name passes `keep`, sorted.
    fn examples(keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| keep(&p.file_name().unwrap().to_string_lossy()))
            .collect();
        files.sort();
        files
    }

    /// Whole trials of every example Kubernetes scenario, and of the scaling bench's at
    /// random sizes and seeds, with the ranking index checked against the full sort (and
    /// the running counts against a recount) at every scale-down.
    #[test]
    fn the_index_deletes_the_pods_the_full_sort_deletes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = examples(|name| name.starts_with("k8s-") && name.ends_with(".yaml"));
        assert!(files.len() >= 8, "{files:?}");
        let mut rng = crate::sim::Key::trial(11, 0, crate::sim::Purpose::Controller).rng();
        let mut runs: Vec<(std::path::PathBuf, Vec<String>)> =
            files.into_iter().map(|f| (f, vec![])).collect();
        // Random sizes, seeds and node counts; half undo the rollout part-way, so the
        // new ReplicaSet's pods (Ready and created at many different times, crowded on
        // few nodes) are deleted too; a quarter restart it and then halve the replicas.
        // The last four have more nodes than the ranking scans, so they use its tree.
        for k in 0..16 {
            let replicas = 20 + rng.next_u64() % 40;
            let nodes = if k >= 12 {
                33 + rng.next_u64() % 30
            } else if k % 2 == 0 {
                1 + rng.next_u64() % 2
            } else {
                replicas / 10 + 1
            };
            let mut sets = vec![
                format!("service.replicas={replicas}"),
                format!("cluster.nodes={nodes}"),
                format!("seed={}", rng.next_u64() % 1000),
            ];
            let at = 5 + rng.next_u64() % 40;
            match k % 4 {
                0 | 1 => sets.push(format!("actions=[{{at: {at}s, rollout: undo}}]")),
                // A restart: two ReplicaSets of one version, each deleting its own pods;
                // and a scale mid-rollout (proportional scale-downs).
                2 => sets.push(format!(
                    "actions=[{{at: {at}s, rollout: restart}}, {{at: {}s, scale: {}}}]",
                    at + 3,
                    replicas / 2
                )),
                _ => {}
            }
            runs.push((root.join("benches/scaling-kubernetes.yaml"), sets));
        }
        CHECKED.with(|c| c.set((0, 0)));
        for (file, sets) in &runs {
            let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
            let s = load_file(file, &overrides).unwrap();
            let mut ws = Workspace::new(&s);
            for trial in 0..25 {
                ws.run(trial);
            }
        }
        let (all, many) = CHECKED.with(|c| c.get());
        assert!(
            all > 5_000 && many > 100,
            "{all} scale-downs, {many} of several pods"
        );
    }

    /// The choices finished by a sort ([`super::super::ranking`]'s fallback when the
    /// picks walk far) are the full sort's: forced from the first pick, or after a few,
    /// in every example scenario of a controller that scales ReplicaSets (a Deployment,
    /// an Argo Rollout, Flagger), at sizes where the index keeps a tree and where it
    /// scans; and reached on its own where a ReplicaSet of pods made one by one is
    /// deleted at once (an aborted Argo blue-green at 300 replicas).
    #[test]
    fn a_choice_finished_by_a_sort_deletes_the_pods_the_full_sort_deletes() {
        use super::super::ranking::{SORT_FROM, SORTED};
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = examples(|name| {
            let controller = ["k8s-", "canary-", "blue-green", "flagger-"];
            let no_replicas = ["k8s-daemonset", "k8s-statefulset"];
            controller.iter().any(|c| name.starts_with(c))
                && !no_replicas.iter().any(|c| name.starts_with(c))
        });
        assert!(files.len() >= 30, "{files:?}");
        let run = |file: &Path, sets: &[String], trials: u64, from: Option<usize>| {
            let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
            // A scenario with its own node pools (labels, taints) keeps its cluster.
            let s = load_file(file, &overrides).unwrap_or_else(|_| load_file(file, &[]).unwrap());
            let mut ws = Workspace::new(&s);
            SORT_FROM.with(|c| c.set(from));
            for trial in 0..trials {
                ws.run(trial);
            }
            SORT_FROM.with(|c| c.set(None));
        };
        SORTED.with(|c| c.set(0));
        CHECKED.with(|c| c.set((0, 0)));
        for (k, file) in files.iter().enumerate() {
            // Room for the scenario's pods on 3 nodes (scanned) or 40 (a tree).
            let nodes = if k % 2 == 0 { 3 } else { 40 };
            let sets = [
                format!("cluster.nodes={nodes}"),
                "cluster.node.cpu=64".to_string(),
                "cluster.node.memory=256Gi".to_string(),
            ];
            run(file, &sets, 12, Some(k % 3));
        }
        let forced = SORTED.with(|c| c.get());
        let (all, many) = CHECKED.with(|c| c.get());
        assert!(
            forced > 400 && many > 100,
            "{forced} sorted of {all}, {many} of several pods"
        );
        SORTED.with(|c| c.set(0));
        let sets = [
            "service.replicas=300".to_string(),
            "cluster.nodes=60".to_string(),
        ];
        run(
            &root.join("scenarios/blue-green-analysis.yaml"),
            &sets,
            6,
            None,
        );
        assert!(SORTED.with(|c| c.get()) > 0, "the budget is reached");
    }
}
