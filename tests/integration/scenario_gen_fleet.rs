//! The starting fleet of a generated scenario, sized to what its nodes hold: the loader
//! refuses a fleet that does not fit the nodes its placement allows (some `current` tasks
//! would be Pending before the rollout), so no case is spent on that refusal.

use serde_json::Value;

/// Each node's (cpu millicores, memory MiB), as the generator writes them: `cpu` whole
/// cores (a number or its text), `memory` "NGi"; a list entry without them takes the
/// template's.
pub fn node_shapes(cluster: &Value) -> Vec<(u32, u32)> {
    let shape = |n: &Value| {
        let field = |k: &str| n.get(k).unwrap_or(&cluster["node"][k]);
        let cores = match field("cpu") {
            Value::String(s) => s.parse::<u32>().ok(),
            v => v.as_u64().map(|c| c as u32),
        };
        let gib = field("memory")
            .as_str()
            .and_then(|m| m.strip_suffix("Gi"))
            .and_then(|g| g.parse::<u32>().ok());
        (
            cores.expect("generated cpu") * 1000,
            gib.expect("generated memory") * 1024,
        )
    };
    match &cluster["nodes"] {
        Value::Array(list) => list.iter().map(shape).collect(),
        n => vec![shape(&cluster["node"]); n.as_u64().expect("a node count") as usize],
    }
}

/// How many tasks of `cpu` millicores and `mem` MiB `nodes` hold at once: each node what
/// its room holds, at most `limit` (0: no limit), and the nodes of one anti-affinity
/// domain (`domains`, by node; `None`: none) one task between them. Tasks are identical,
/// so any placement that puts one wherever one may go reaches this count.
pub fn held(
    nodes: &[(u32, u32)],
    domains: &[Option<usize>],
    limit: u32,
    cpu: u32,
    mem: u32,
) -> u32 {
    let limit = if limit == 0 { u32::MAX } else { limit };
    let mut taken = Vec::new();
    let mut held = 0u32;
    for (&(nc, nm), domain) in nodes.iter().zip(domains) {
        let fits = (nc / cpu).min(nm / mem).min(limit);
        match domain {
            None => held = held.saturating_add(fits),
            Some(d) if fits > 0 && !taken.contains(d) => {
                taken.push(*d);
                held += 1;
            }
            Some(_) => {}
        }
    }
    held
}

/// `cpu` millicores and `mem` MiB a task, halved until `replicas` tasks fit `nodes` (see
/// [`held`]).
pub fn fit_fleet(
    nodes: &[(u32, u32)],
    domains: &[Option<usize>],
    limit: u32,
    replicas: u32,
    mut cpu: u32,
    mut mem: u32,
) -> (u32, u32) {
    loop {
        if held(nodes, domains, limit, cpu, mem) >= replicas || (cpu == 1 && mem == 1) {
            return (cpu, mem);
        }
        let (by_cpu, by_mem) = nodes
            .iter()
            .fold((0, 0), |(c, m), (nc, nm)| (c + nc / cpu, m + nm / mem));
        let (cpu_short, mem_short) = (by_cpu < replicas, by_mem < replicas);
        if cpu_short || !mem_short {
            cpu = (cpu / 2).max(1);
        }
        if mem_short || !cpu_short {
            mem = (mem / 2).max(1);
        }
    }
}
