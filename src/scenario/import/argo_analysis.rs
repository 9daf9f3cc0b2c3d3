//! A Rollout's analysis references (`templates: [{templateName}]`, `args`) → the inline
//! `metrics` of the scenario's analysis syntax.
//!
//! Each `templateName` is looked up among the `AnalysisTemplate`s (`clusterScope: true`:
//! `ClusterAnalysisTemplate`s) of the files given; their `spec.metrics` are merged in
//! order, as the controller merges them into one AnalysisRun (`argoproj/argo-rollouts`
//! `utils/analysis/factory.go`, `NewAnalysisRunFromTemplates`). Template arguments are
//! substituted where they are written (`{{args.NAME}}`: the Rollout's `args[].value`,
//! else the template's default `value`); a `valueFrom` cannot be resolved outside a
//! cluster and is left as written (a service name in a query changes nothing simulated).
//!
//! A metric keeps Argo's field names (`pkg/apis/rollouts/v1alpha1/analysis_types.go`,
//! `Metric`): `name`, `interval`, `initialDelay`, `count`, `successCondition`,
//! `failureCondition`, `failureLimit`, `inconclusiveLimit`, `consecutiveErrorLimit`,
//! `consecutiveSuccessLimit` (the int-or-string limits as integers). Its provider becomes
//! the simulator's `rollout-sim: {metric, of: canary, window}` when the query has a shape
//! [`super::query`] recognises, with the query and a "CHECK THIS MAPPING" note as comments;
//! any other provider or query is an error at its path, or, with
//! [`super::Options::drop_unknown_metrics`], a metric left out and reported. A key Argo's
//! types do not have (a misspelt provider `prometheous`, a `qurey`, a template reference's
//! `templateNme`, a metric's `intervall`) is refused with a "did you mean"
//! ([`super::argo_fields`]), with or without that option, also in a metric the option
//! leaves out: it is a typo, not a metric the simulator cannot measure. A metric
//! refused at its provider keeps its other fields in the scenario loaded back, so that
//! the loader tells what is wrong with them in the same run (an `interval: 10x`), as it
//! does for a metric that maps.
//!
//! Its `dryRun` rules and the templates' are joined as upstream joins them and written
//! as the block's `dryRun` ([`super::argo_dry_run`]); its `measurementRetention` rules are
//! joined alike, checked and reported ([`super::argo_retention`]).
//!
//! A template's fields are told at paths under `AnalysisTemplate NAME`, and under
//! `AnalysisTemplate NAME (FILE)` when it is in another file than the Rollout, as a
//! `workloadRef` Deployment's are ([`super::reference::root`]).

use super::Options;
use super::api_fields::Schema;
use super::argo_args::{arguments, substitute, template_defaults};
use super::argo_dry_run::{self, List, Names};
use super::argo_fields::{
    ANALYSIS_TEMPLATE, CLUSTER_ANALYSIS_TEMPLATE, METRIC, METRIC_PROVIDER, ROLLOUT, TEMPLATE_REF,
};
use super::argo_pods::{Of, Pods, Whose, whose};
use super::argo_retention;
use super::context::Context;
use super::draft::{Draft, Src};
use super::library::{Library, Namespace};
use super::query;
use super::reference;
use super::render::compact;
use super::unmeasured::Unmeasured;
use serde_json::{Map, Value, json};

/// The fields of an analysis block and of a template's `spec` that name metrics by
/// regular expressions, in the order [`analysis`] keeps their lists in.
const RULES: [&str; 2] = ["dryRun", "measurementRetention"];

/// The kinds of a metric's provider that take a `query` string in PromQL.
const PROMQL: [&str; 1] = ["prometheus"];

/// Metric fields copied as they are (durations and conditions are Argo's syntax too).
const COPIED: [&str; 3] = ["name", "interval", "initialDelay"];

/// Metric fields that are `IntOrString` upstream and integers in the scenario.
const LIMITS: [&str; 5] = [
    "count",
    "failureLimit",
    "inconclusiveLimit",
    "consecutiveErrorLimit",
    "consecutiveSuccessLimit",
];

/// The `{metrics: [...], dryRun: [...]}` of the analysis reference `block`, whose scenario
/// path is `to` (`dryRun` from [`argo_dry_run`], when a rule is left); `None` when nothing
/// is left (every metric dropped) or the references are invalid.
pub fn analysis(block: &Src, to: &str, ctx: &Context, d: &mut Draft) -> Option<Value> {
    d.trace(to, block);
    let Some(list) = block.get("templates") else {
        d.error(
            block,
            "an analysis needs `templates: [{templateName: NAME}]` (inline metrics are \
             written in the scenario, not in a Rollout)",
        );
        return None;
    };
    d.read(&list);
    if !list.value.is_array() {
        d.error(&list, "expected a list of `{templateName: NAME}`");
        return None;
    }
    let written = list.items();
    let refs: Vec<Src> = written
        .iter()
        .filter(|r| d.known_names(r, ROLLOUT.at(TEMPLATE_REF)))
        .cloned()
        .collect();
    let run = Run {
        refs,
        written: written.len(),
        args: block,
        rules: block,
        pods: Pods::Rollout,
    };
    metrics_of(&run, to, ctx, d)
}

/// The `{metrics: [...], dryRun: [...]}` of the analysis `item` of the experiment step
/// `step` (`{name, templateName, clusterScope, args, requiredForCompletion}`, one template
/// each), whose templates are `templates` (`name`, `specRef`), at the scenario path `to`.
/// The step's `dryRun` applies to each of its analyses (`experiments/experiment.go`,
/// `reconcileAnalysisRun` with `ex.Spec.DryRun`), joined with the template's as for a
/// Rollout's analysis. `None` when nothing is left or the reference is invalid.
pub fn experiment_analysis(
    item: &Src,
    step: &Src,
    templates: &[(String, String)],
    to: &str,
    ctx: &Context,
    d: &mut Draft,
) -> Option<Value> {
    d.trace(to, item);
    // The reference's own fields; its other keys are the caller's, or reported.
    for key in ["templateName", "clusterScope"] {
        if let Some(v) = item.get(key) {
            d.read(&v);
        }
    }
    let run = Run {
        refs: vec![item.clone()],
        written: 1,
        args: item,
        rules: step,
        pods: Pods::Experiment(templates),
    };
    metrics_of(&run, to, ctx, d)
}

/// One AnalysisRun as the manifest writes it.
struct Run<'s, 'a> {
    /// Its template references (`templateName`, `clusterScope`), their keys known.
    refs: Vec<Src<'a>>,
    /// How many references the manifest writes (those with unknown keys are refused).
    written: usize,
    /// The node with its `args`.
    args: &'s Src<'a>,
    /// The node with its own `dryRun` (and `measurementRetention`) rules.
    rules: &'s Src<'a>,
    /// Whose pods its metrics read.
    pods: Pods<'s>,
}

/// The scenario block of `run` at `to`, as [`analysis`] says.
fn metrics_of(run: &Run, to: &str, ctx: &Context, d: &mut Draft) -> Option<Value> {
    let args = arguments(run.args, to, d);
    // Resolve every reference first: the substituted copies must outlive their `Src`s.
    let mut resolved: Vec<(String, Value, Schema)> = Vec::new();
    // Which templates those are, by kind (cluster-scoped?) and name, for the dryRun rules.
    let mut named: Vec<(bool, String)> = Vec::new();
    let mut names = Names::default();
    for r in &run.refs {
        let cluster = r.get("clusterScope").and_then(|c| c.value.as_bool()) == Some(true);
        // An AnalysisTemplate is looked up in the Rollout's namespace, a cluster-scoped
        // ClusterAnalysisTemplate by its name alone (`rollout/controller.go`,
        // `getReferencedAnalysisTemplatesFromRef`).
        let (kind, schema, ns) = if cluster {
            (
                "ClusterAnalysisTemplate",
                CLUSTER_ANALYSIS_TEMPLATE,
                Namespace::Cluster,
            )
        } else {
            ("AnalysisTemplate", ANALYSIS_TEMPLATE, ctx.own_namespace())
        };
        let Some(name) = r.get("templateName") else {
            d.error(r, "expected `templateName: NAME`");
            continue;
        };
        let found = match name.str().map(|n| ctx.lib.find(kind, n, ns)) {
            Some(Err(files)) => {
                d.error(
                    &name,
                    format!(
                        "the files given hold {} {kind}s named `{}`{}",
                        files.len(),
                        name.str().unwrap_or("?"),
                        Library::several(&files, ns)
                    ),
                );
                continue;
            }
            Some(Ok(found)) => found,
            None => None,
        };
        let Some(found) = found else {
            let named = name.str().unwrap_or("?");
            d.error(
                &name,
                format!(
                    "{kind} `{named}` is not in the files given{}: {}",
                    ctx.lib.not_found(kind, None, named, ns),
                    ctx.how_to_find(kind, named, "TEMPLATES.yaml")
                ),
            );
            continue;
        };
        // Its fields are told under `KIND NAME`, and `KIND NAME (FILE)` from another file
        // than the Rollout's, as a workloadRef Deployment's are.
        let root = reference::root(kind, name.str().unwrap_or(""), found, &name, ctx, d).path;
        let mut doc = found.doc.clone();
        let defaults = template_defaults(&doc);
        substitute(&mut doc, &args, &defaults);
        resolved.push((root, doc, schema));
        named.push((cluster, name.str().unwrap_or("").to_string()));
    }
    if resolved.len() < run.written {
        // Refused above: the import fails, and this rule's line is only one more hint.
        names.unknown = Some("the analysis names a template not found".into());
    }
    let mut metrics = Vec::new();
    // The rules of `dryRun` and of `measurementRetention`, joined alike upstream
    // (`mergeDryRunMetrics`, `mergeMeasurementRetentionMetrics`): the Rollout's first.
    let mut rules: [Vec<List>; 2] = RULES.map(|field| {
        run.rules
            .get(field)
            .map(|node| List {
                node,
                schema: ROLLOUT,
            })
            .into_iter()
            .collect()
    });
    // Then the templates': AnalysisTemplates first, then ClusterAnalysisTemplates, each
    // template once (`getAnalysisTemplatesFromRefs`, `FilterUniqueTemplates`).
    let mut template_rules: Vec<(bool, usize, List)> = Vec::new();
    for (i, (root, doc, schema)) in resolved.iter().enumerate() {
        let t = Src {
            value: doc,
            path: root.clone(),
        };
        d.read_identity(&t);
        let spec = t.get("spec");
        if let Some(a) = spec.as_ref().and_then(|s| s.get("args")) {
            d.read(&a);
        }
        let first = named.iter().position(|n| *n == named[i]) == Some(i);
        for (k, field) in RULES.iter().enumerate() {
            if let Some(node) = spec.as_ref().and_then(|s| s.get(field)) {
                d.read(&node);
                if first {
                    let list = List {
                        node,
                        schema: *schema,
                    };
                    template_rules.push((named[i].0, k, list));
                }
            }
        }
        if spec.as_ref().and_then(|s| s.get("templates")).is_some() {
            // Left out and reported by `finish`: their metrics are not imported.
            names.unknown = Some(format!("the nested templates of {root} are not imported"));
        }
        let items = spec
            .as_ref()
            .and_then(|s| s.get("metrics"))
            .map(|m| m.items())
            .unwrap_or_default();
        if items.is_empty() {
            d.error(
                &t,
                "an analysis template needs `spec.metrics` (at least one)",
            );
        }
        for m in items {
            let at = format!("{to}.metrics.{}", metrics.len());
            let name = m.get("name").and_then(|n| n.str()).map(str::to_string);
            let reads = (run.pods, &args.hashes[..]);
            if let Some(v) = metric(&m, &at, (root, *schema), reads, ctx.opts, d) {
                // A problem with the metric as a whole (a duplicate name) is told at the
                // template's metric, not at a path of the Rollout that does not exist.
                d.trace(&at, &m);
                metrics.push(v);
                names.kept.extend(name);
            } else {
                names.left_out.extend(name);
            }
        }
        d.finish(&t, |_| false, *schema);
    }
    // A stable sort: each kind keeps the order of the references.
    template_rules.sort_by_key(|(cluster, ..)| *cluster);
    for (_, k, list) in template_rules {
        rules[k].push(list);
    }
    let [dry, retained] = rules;
    let owner = match run.pods {
        Pods::Rollout => "Rollout's",
        Pods::Experiment(_) => "experiment step's",
    };
    let dry_run = argo_dry_run::rules(&dry, &names, (to, owner), d);
    argo_retention::rules(&retained, &names, d);
    if metrics.is_empty() {
        return None;
    }
    let mut out = json!({ "metrics": metrics });
    if let Some(r) = dry_run {
        out["dryRun"] = r;
    }
    Some(out)
}

/// One metric of `template` (its name in messages, and its schema) → one scenario metric
/// at `to`; `None` when it is left out. A metric refused at its provider (an error) is
/// returned without one, its other fields mapped, for the loader to check.
fn metric(
    m: &Src,
    to: &str,
    (template, schema): (&str, Schema),
    reads: Reads,
    opts: &Options,
    d: &mut Draft,
) -> Option<Value> {
    let name = m
        .get("name")
        .and_then(|n| n.str())
        .unwrap_or("?")
        .to_string();
    let provider = m.get("provider");
    let read = provider
        .as_ref()
        .map(|p| read_provider(m, p, (&name, schema), reads, opts, d));
    let recognised = match read {
        Some(Provider::Read(r, kind, query, of)) => Some((r, kind, query, of)),
        Some(Provider::Refused) => None,
        Some(Provider::LeftOut) => return None,
        None => {
            d.error(m, "a metric needs a `provider`");
            None
        }
    };
    let mut out = Map::new();
    for key in COPIED {
        if let Some(v) = m.get(key) {
            copy(&mut out, key, to, &v, v.value.clone(), d);
        }
    }
    for key in LIMITS {
        if let Some(v) = m.get(key) {
            match integer(v.value) {
                Some(n) => copy(&mut out, key, to, &v, json!(n), d),
                None => d.error(
                    &v,
                    format!("expected an integer (or a string of one), got {}", v.value),
                ),
            }
        }
    }
    let per_ms = recognised.as_ref().and_then(|(r, ..)| r.per_ms);
    for key in ["successCondition", "failureCondition"] {
        if let Some(v) = m.get(key) {
            let text = match (v.str(), per_ms) {
                (Some(c), Some(k)) => json!(query::rescale(c, k)),
                _ => v.value.clone(),
            };
            copy(&mut out, key, to, &v, text, d);
        }
    }
    let (Some(provider), Some((r, kind, query, of))) = (provider, recognised) else {
        // Refused at its provider: the import fails, and the metric's other fields go
        // into the scenario loaded back all the same, without a provider, so that the
        // loader tells what is wrong with them (`interval: 10x`) in the same run, as it
        // does for a metric that maps; they are not "not simulated".
        return Some(Value::Object(out));
    };
    let mut measured = json!({"metric": r.metric, "of": of.role});
    if let Some(w) = &r.window {
        measured["window"] = json!(w);
    }
    if r.destination {
        measured["reporter"] = json!("destination");
    }
    d.trace(&format!("{to}.provider"), &provider);
    out.insert("provider".into(), json!({ "rollout-sim": measured }));
    let window = r.window.as_deref().map_or_else(
        || "the metric's interval (1m without one)".to_string(),
        |w| format!("the last {w}"),
    );
    d.comment(
        to,
        &format!(
            "From {template}, metric {name} ({kind}).\n\
             CHECK THIS MAPPING: the query is read as {};\n\
             it is measured on {} over {window}{}.",
            r.reading,
            of.requests(),
            if r.destination {
                ",\ncounting every attempt the pods took (the query's reporter is the pods' side)"
            } else {
                ""
            }
        ),
    );
    d.comment(to, &format!("query: {}", query.trim()));
    if r.per_ms.is_some() {
        d.comment(
            to,
            "The query is in seconds, the simulator's latencies in milliseconds: the\n\
             conditions compare `result / 1000`.",
        );
    }
    Some(Value::Object(out))
}

/// Whose pods a run's metrics read, and the run's arguments from `podTemplateHashValue`
/// (each with the role whose hash it is), for [`whose`].
type Reads<'t> = (Pods<'t>, &'t [(String, &'static str)]);

/// What became of a metric's provider.
enum Provider<'a> {
    /// A query of a shape the simulator measures, the provider's kind, the query, and
    /// whose requests it reads.
    Read(query::Recognised, &'a str, String, Of),
    /// Refused, with an error: a misspelt provider, or one of no shape the simulator
    /// measures.
    Refused,
    /// Of no known shape, and the whole metric left out and reported
    /// ([`Options::drop_unknown_metrics`]).
    LeftOut,
}

/// The provider `p` of the metric `m` (its name, and its template's schema), read, and
/// refused or left out as [`Provider`] says.
fn read_provider<'a>(
    m: &Src,
    p: &Src<'a>,
    (name, schema): (&str, Schema),
    (pods, hashes): Reads,
    opts: &Options,
    d: &mut Draft,
) -> Provider<'a> {
    // A misspelt provider kind or field is refused as such, not as a query of no known
    // shape (nor left out with --drop-unknown-metrics).
    if !d.known_names(p, schema.at(METRIC_PROVIDER)) {
        d.read(p);
        return Provider::Refused;
    }
    d.read(p);
    let (kind, query) = prometheus(p);
    let shown = |kind: &str| {
        query.as_deref().map_or_else(
            || format!("a `{kind}` provider"),
            |q| format!("the {kind} query `{}`", compact(&json!(q))),
        )
    };
    // Why a query of a shape the simulator measures still cannot be measured.
    let mut reason = None;
    if let (Some(k), Some(q)) = (kind, &query)
        && PROMQL.contains(&k)
        && let Some(r) = query::recognise(q)
    {
        match whose(q, pods, hashes) {
            Ok(of) => return Provider::Read(r, k, q.clone(), of),
            Err(Whose::Unmeasured(why)) => reason = Some(format!("{} {why}", shown(k))),
            Err(Whose::Invalid(why)) => {
                d.error(p, format!("{} {why}", shown(k)));
                return Provider::Refused;
            }
        }
    }
    let why = reason.unwrap_or_else(|| {
        format!(
            "{} has no shape the simulator can measure (it recognises PromQL success- and \
             error-rate ratios over 5xx codes and histogram_quantile 0.5/0.95/0.99 \
             latencies; see docs/import.md)",
            shown(kind.unwrap_or("(none)"))
        )
    });
    // The whole metric is left out: one line, not one per field. Its provider's keys were
    // checked above, its other keys are checked there.
    let unmeasured = Unmeasured {
        metric: m,
        name,
        schema: schema.at(METRIC),
        at: p,
        why,
        instead: "write the metric with a `rollout-sim` provider in the imported scenario",
    };
    if unmeasured.refuse_or_leave_out(opts, d) {
        Provider::LeftOut
    } else {
        Provider::Refused
    }
}

/// The kind of the provider `p` (its first key) and its `query`, if it has one.
fn prometheus<'a>(p: &Src<'a>) -> (Option<&'a str>, Option<String>) {
    let (kind, target) = p.entries().into_iter().next().unzip();
    let query = target
        .as_ref()
        .and_then(|t| t.get("query"))
        .and_then(|q| q.str().map(str::to_string));
    (kind, query)
}

/// Puts `value` (from `from`) as `key` of the metric at `to`; a template argument left
/// unresolved in it is an error.
fn copy(
    out: &mut Map<String, Value>,
    key: &str,
    to: &str,
    from: &Src,
    value: Value,
    d: &mut Draft,
) {
    d.read(from);
    if value.as_str().is_some_and(|s| s.contains("{{")) {
        d.error(
            from,
            format!(
                "{value} uses a template argument with no value: give it in the Rollout's \
                 `args` or as the template's default `value`"
            ),
        );
        return;
    }
    d.trace(&format!("{to}.{key}"), from);
    out.insert(key.to_string(), value);
}

/// An `IntOrString` limit: an integer, or a string holding one.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
