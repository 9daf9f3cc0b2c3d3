//! A compose / stack file service → a scenario with a `strategy.swarm`, as `docker stack
//! deploy` would run it (compose specification, `deploy` section; `docker/cli`
//! `cli/compose/convert/service.go`, v27).
//!
//! | compose (under `services.NAME`) | scenario |
//! |---|---|
//! | `deploy.mode` (`replicated`, the default, or `global`) | `service.mode` |
//! | `deploy.replicas` (default 1; refused with `global`) | `service.replicas` |
//! | `deploy.update_config`, `deploy.rollback_config` | `strategy.swarm.update_config`, `.rollback_config` |
//! | `deploy.restart_policy.{condition,delay,max_attempts}` | `service.restart` |
//! | `deploy.resources.reservations.{cpus,memory}` | `service.resources` (Docker's units converted) |
//! | `deploy.placement.{constraints,max_replicas_per_node,preferences}` | `service.placement` (checked there; see docs/placement.md) |
//! | `healthcheck.{interval,timeout,retries,start_period,start_interval}`, `disable` | `service.healthcheck` |
//! | `stop_grace_period` | `service.stop_grace_period` |
//! | `networks` (default: the stack's `default`), `ports` in ingress mode | `service.networks` |
//! | `ports` in host mode (long syntax, `published` given) | `service.ports` (see [`super::host_ports`]) |
//! | `image` | `service.versions.*.image` |
//!
//! YAML merge keys (`<<: *defaults`) are resolved by the YAML reader; `x-` extension
//! fields are skipped, as Docker skips them.

use super::super::suggest;
use super::draft::{Draft, Src};
use super::units;
use serde_json::{Value, json};

/// The fields of `update_config` and `rollback_config` (compose and scenario agree).
const UPDATE_FIELDS: [&str; 6] = [
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
];

/// The healthcheck timings (compose and scenario agree).
const HEALTH_FIELDS: [&str; 5] = [
    "interval",
    "timeout",
    "retries",
    "start_period",
    "start_interval",
];

/// The fields of `deploy` (compose specification, `schema/compose-spec.json`,
/// `definitions.deployment`, which allows no other key but `x-` extensions).
const DEPLOY_FIELDS: [&str; 9] = [
    "mode",
    "endpoint_mode",
    "replicas",
    "labels",
    "rollback_config",
    "update_config",
    "resources",
    "restart_policy",
    "placement",
];

/// The fields copied by [`copy`] that are durations.
const DURATIONS: [&str; 6] = [
    "delay",
    "monitor",
    "interval",
    "timeout",
    "start_period",
    "start_interval",
];

/// Whether a key is a compose extension, which Docker ignores.
pub fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

/// Maps service `name` of the compose file `doc` into `d`.
pub fn service(doc: &Src, name: &str, d: &mut Draft) {
    for identity in ["version", "name"] {
        if let Some(s) = doc.get(identity) {
            d.read(&s);
        }
    }
    if let Some(n) = doc.get("networks") {
        // Declarations of the networks services attach to: read through `networks`.
        d.read(&n);
    }
    let Some(services) = doc.get("services") else {
        return d.error(doc, "a compose file needs `services`");
    };
    for (other, s) in services.entries() {
        if other != name {
            d.read(&s);
        }
    }
    let Some(svc) = services.get(name).filter(|s| s.value.is_object()) else {
        let at = super::draft::join(&services.path, name);
        let value = &services.value[name];
        return d.error(
            &Src { value, path: at },
            "expected a map describing the service (`image:`, `deploy:`, …)",
        );
    };
    d.put("name", json!(name));
    d.put(
        "description",
        json!(format!("Imported from compose service {name}")),
    );
    let deploy = svc.get("deploy");
    if let Some(dp) = &deploy {
        refuse_unknown(dp, &DEPLOY_FIELDS, d);
    }
    let at = |key: &str| deploy.as_ref().and_then(|dp| dp.get(key));
    let global = at("mode").is_some_and(|m| m.str() == Some("global"));
    if let Some(mode) = at("mode") {
        match mode.str() {
            Some("replicated") => d.read(&mode),
            Some("global") => d.map("service.mode", &mode),
            _ => d.error(
                &mode,
                format!(
                    "only `replicated` and `global` services are simulated (a job runs to \
                     completion, it is not rolled out), got {}",
                    mode.value
                ),
            ),
        }
    }
    match at("replicas") {
        // docker/cli `convertDeployMode`: "replicas can only be used with replicated mode".
        Some(r) if global => d.error(
            &r,
            "replicas can only be used with replicated mode (docker stack deploy refuses \
             it): a global service runs one task on every node"
                .to_string(),
        ),
        Some(r) => d.map("service.replicas", &r),
        None if global => {}
        None => d.assume(
            "service.replicas",
            json!(1),
            "deploy.replicas is not given: Docker's default, 1",
        ),
    }
    d.put("strategy.swarm", json!({}));
    for (key, to) in [
        ("update_config", "strategy.swarm.update_config"),
        ("rollback_config", "strategy.swarm.rollback_config"),
    ] {
        if let Some(cfg) = at(key) {
            copy(&cfg, &UPDATE_FIELDS, &[], to, d);
        }
    }
    if let Some(r) = at("restart_policy") {
        copy(
            &r,
            &["condition", "delay", "max_attempts"],
            &["window"],
            "service.restart",
            d,
        );
    }
    if let Some(res) = at("resources") {
        resources(&res, d);
    }
    if let Some(p) = at("placement") {
        d.copy_tree("service.placement", &p);
    }
    image(&svc, name, d);
    if let Some(h) = svc.get("healthcheck") {
        healthcheck(&h, d);
    } else {
        d.comment(
            "service",
            "no healthcheck in the compose file: if the image's Dockerfile has a HEALTHCHECK, \
             add it as service.healthcheck",
        );
    }
    if let Some(g) = svc.get("stop_grace_period")
        && go_duration(&g, d)
    {
        d.map("service.stop_grace_period", &g);
    }
    networks(&svc, d);
    super::host_ports::compose(&svc, d);
    if let Some(r) = svc.get("restart") {
        d.unsupported(
            &r,
            "`docker stack deploy` ignores `restart` (use \
             deploy.restart_policy)",
        );
    }
}

/// Copies the scalar `fields` of `from` under `to`. `also` are the other fields the
/// compose specification allows there (reported by [`Draft::finish`] if not read); any
/// other key, `x-` extensions aside, is an error with a "did you mean", as the compose
/// specification's schema refuses it (`additionalProperties: false`).
fn copy(from: &Src, fields: &[&str], also: &[&str], to: &str, d: &mut Draft) {
    d.section(to, from);
    for field in fields {
        if let Some(v) = from.get(field)
            && (!DURATIONS.contains(field) || go_duration(&v, d))
        {
            d.map(&format!("{to}.{field}"), &v);
        }
    }
    let known: Vec<&str> = fields.iter().chain(also).copied().collect();
    refuse_unknown(from, &known, d);
    if from.entries().is_empty() {
        d.read(from);
    }
}

/// Every key of `from` but `known` and `x-` extensions is an error with a "did you
/// mean", as the compose specification's schema refuses it (`additionalProperties:
/// false`).
fn refuse_unknown(from: &Src, known: &[&str], d: &mut Draft) {
    for (key, v) in from.entries() {
        if !known.contains(&key) && !is_extension(key) {
            d.error(
                &v,
                format!("unknown field `{key}`{}", suggest::hint(key, known)),
            );
        }
    }
}

/// Whether a compose duration is one Docker reads: a string Go's `time.ParseDuration`
/// takes (`10s`, `1m30s`, `1.5h`). `1d`, `1w`, `1y` or a bare number, which the scenario
/// format would read, are refused as `docker stack deploy` refuses them.
fn go_duration(v: &Src, d: &mut Draft) -> bool {
    let why = match v.value {
        Value::String(s) if units::go_duration(s) => return true,
        Value::String(_) => {
            "Docker reads it with Go's time.ParseDuration, whose units are \
                             ns, us, ms, s, m and h (no d, w or y): write `24h` for a day"
        }
        _ => {
            "Docker reads a duration only as a string with a unit, e.g. \"10s\" or \
              \"1m30s\" (a bare number is refused)"
        }
    };
    d.error(
        v,
        format!(
            "invalid duration {}: {why}",
            super::super::walk::describe(v.value)
        ),
    );
    false
}

fn resources(res: &Src, d: &mut Draft) {
    if let Some(l) = res.get("limits") {
        d.unsupported(
            &l,
            "limits (throttling, OOM kills) play no part; reservations \
             decide where a task fits",
        );
    }
    let Some(r) = res.get("reservations") else {
        return;
    };
    if let Some(c) = r.get("cpus") {
        match units::compose_cpus(c.value) {
            Some(m) => d.derived("service.resources.cpu", units::cpu_text(m), &c),
            None => d.error(
                &c,
                format!("expected a number of cores (\"0.5\"), got {}", c.value),
            ),
        }
    }
    if let Some(m) = r.get("memory") {
        match units::compose_bytes(m.value) {
            Some(b) => d.derived("service.resources.memory", units::memory_text(b), &m),
            None => d.error(
                &m,
                format!("expected a byte size (\"512M\", \"1g\"), got {}", m.value),
            ),
        }
    }
}

fn image(svc: &Src, name: &str, d: &mut Draft) {
    match svc.get("image") {
        // `map` copies scalars only: the written scenario stays shallow.
        Some(i) if i.value.is_string() => {
            for v in ["current", "next"] {
                d.map(&format!("service.versions.{v}.image"), &i);
            }
        }
        Some(i) => d.error(&i, format!("expected an image name, got {}", i.value)),
        None => {
            d.comment(
                "service.versions",
                "no `image` in the compose file: named after the service",
            );
            for v in ["current", "next"] {
                d.put(&format!("service.versions.{v}.image"), json!(name));
            }
        }
    }
}

fn healthcheck(h: &Src, d: &mut Draft) {
    let test = h.get("test");
    let none = match test.as_ref().map(|t| t.value) {
        Some(Value::String(s)) => s == "NONE",
        Some(Value::Array(items)) => items.first().and_then(Value::as_str) == Some("NONE"),
        _ => false,
    };
    let disabled = h.get("disable").is_some_and(|x| x.value == &json!(true));
    if disabled || none {
        d.read(h);
        d.comment(
            "service",
            "healthcheck disabled in the compose file: tasks are RUNNING once started",
        );
        return;
    }
    if let Some(x) = h.get("disable") {
        d.read(&x);
    }
    copy(
        h,
        &HEALTH_FIELDS,
        &["test", "disable"],
        "service.healthcheck",
        d,
    );
    if let Some(t) = test {
        d.read(&t);
        d.comment(
            "service.healthcheck",
            &format!(
                "test {}: when it starts passing is the versions' `ready_after`",
                t.value
            ),
        );
    }
}

/// `docker stack deploy` attaches a service to the networks it names, or to the stack's
/// `default` network; a port published in ingress mode (the default) adds `ingress`.
fn networks(svc: &Src, d: &mut Draft) {
    let mut names: Vec<String> = Vec::new();
    match svc.get("networks") {
        Some(n) => {
            d.read(&n);
            match n.value {
                Value::Array(items) => {
                    names.extend(items.iter().filter_map(|v| v.as_str().map(str::to_string)))
                }
                Value::Object(map) => names.extend(map.keys().cloned()),
                _ => d.error(&n, "expected a list or a map of network names"),
            }
        }
        None => names.push("default".into()),
    }
    if let Some(ports) = svc.get("ports") {
        d.read(&ports);
        let ingress = ports.items().iter().any(|p| match p.value {
            Value::Object(m) => {
                m.get("mode").and_then(Value::as_str).unwrap_or("ingress") == "ingress"
            }
            _ => true,
        });
        if ingress && !names.iter().any(|n| n == "ingress") {
            names.push("ingress".into());
        }
    }
    d.put("service.networks", json!(names));
    d.comment(
        "service.networks",
        "the networks `docker stack deploy` attaches (`default` unless others are named; \
         `ingress` for published ports)",
    );
}
