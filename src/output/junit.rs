//! JUnit XML for `rollout-sim check --junit`: a `<testsuite>` per scenario, a `<testcase>`
//! per assertion; a failing or inconclusive-and-failing assertion carries a `<failure>`
//! whose message holds the measured value, so CI test reports show the number.

use crate::check::{Evaluation, Verdict};

/// One scenario's evaluated assertions.
pub struct Suite<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// Its file, as given on the command line.
    pub file: &'a str,
    pub evaluations: &'a [Evaluation],
}

/// The document; `failed(verdict)` tells whether a verdict counts as a failure
/// (inconclusive does unless `--allow-inconclusive`).
pub fn junit_xml(suites: &[Suite], failed: impl Fn(Verdict) -> bool) -> String {
    let count = |s: &Suite| s.evaluations.iter().filter(|e| failed(e.verdict)).count();
    let tests: usize = suites.iter().map(|s| s.evaluations.len()).sum();
    let failures: usize = suites.iter().map(count).sum();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rollout-sim check\" tests=\"{tests}\" failures=\"{failures}\">\n"
    );
    for s in suites {
        out += &format!(
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\">\n",
            escape(s.name),
            escape(s.file),
            s.evaluations.len(),
            count(s)
        );
        for e in s.evaluations {
            let case = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(s.name),
                escape(&e.assertion.text)
            );
            if failed(e.verdict) {
                out += &format!(
                    "{case}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                    escape(&format!("measured {}", e.measured())),
                    e.verdict.as_str(),
                    escape(&match &e.look_at {
                        Some(hint) => format!("{}\n{hint}", e.line()),
                        None => e.line(),
                    })
                );
            } else {
                out += &format!("{case}/>\n");
            }
        }
        out += "  </testsuite>\n";
    }
    out + "</testsuites>\n"
}

/// Text escaped for XML attributes and character data.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids outright are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
