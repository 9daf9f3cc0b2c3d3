use super::*;
use crate::scenario::parse_duration;

/// Tick positions on a time axis from `lo` to `hi` seconds.
fn duration_ticks(lo: f64, hi: f64, most: usize) -> Vec<f64> {
    ticks(Scale::Seconds, lo, hi, most).0
}

/// The labels of the ticks of a `scale` axis over `lo..hi` with at most `most` ticks.
fn labelled(scale: Scale, lo: f64, hi: f64, most: usize) -> Vec<(f64, String)> {
    TickAxis::new(scale, lo, hi, most).labelled()
}

fn labels(scale: Scale, lo: f64, hi: f64, most: usize) -> Vec<String> {
    labelled(scale, lo, hi, most)
        .into_iter()
        .map(|t| t.1)
        .collect()
}

/// A duration label read back by the scenario parser, microseconds.
fn read_back(label: &str) -> u64 {
    parse_duration(label).unwrap_or_else(|e| panic!("{label:?}: {e}"))
}

#[test]
fn a_few_seconds_of_range_get_half_second_ticks_written_exactly() {
    // The audit's sweep: p50 between 1m02s and 1m04s. 62.5 s is `1m02.5s`, not `1m03s`.
    assert_eq!(
        labels(Scale::Seconds, 61.8, 64.3, 8),
        ["1m02s", "1m02.5s", "1m03s", "1m03.5s", "1m04s"]
    );
    // A one-value sweep around 1m59s.
    assert_eq!(
        labels(Scale::Seconds, 117.6, 121.3, 8),
        [
            "1m58s", "1m58.5s", "1m59s", "1m59.5s", "2m", "2m00.5s", "2m01s"
        ]
    );
    // Under a second of range: steps of 0.1 s, then of a millisecond.
    assert_eq!(
        labels(Scale::Seconds, 59.95, 60.32, 5),
        ["1m", "1m00.1s", "1m00.2s", "1m00.3s"]
    );
    assert_eq!(
        labels(Scale::Seconds, 0.0121, 0.0152, 4),
        ["13ms", "14ms", "15ms"]
    );
    assert_eq!(
        labels(Scale::Seconds, 2.0, 2.0025, 6),
        ["2s", "2.0005s", "2.001s", "2.0015s", "2.002s", "2.0025s"]
    );
}

#[test]
fn bytes_tick_at_decimal_steps_of_their_binary_unit() {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    assert_eq!(
        labelled(Scale::Bytes, 4.0 * GI, 6.0 * GI, 6),
        [
            (4.0 * GI, "4Gi".to_string()),
            (4.5 * GI, "4.5Gi".to_string()),
            (5.0 * GI, "5Gi".to_string()),
            (5.5 * GI, "5.5Gi".to_string()),
            (6.0 * GI, "6Gi".to_string()),
        ]
    );
    assert_eq!(
        labels(
            Scale::Bytes,
            300.0 * 1024.0 * 1024.0,
            900.0 * 1024.0 * 1024.0,
            6
        ),
        ["400Mi", "600Mi", "800Mi"]
    );
    assert_eq!(
        labels(Scale::Bytes, 0.0, 1000.0, 3),
        ["0B", "500B", "1000B"]
    );
}

#[test]
fn durations_read_as_a_clock() {
    let at = |v: f64, units: u64, exp: i32| {
        TickText {
            scale: Scale::Seconds,
            step: Step::new(units, exp),
            binary: 0,
        }
        .label(v)
    };
    assert_eq!(at(0.0, 1, 0), "0");
    assert_eq!(at(0.25, 5, -2), "250ms");
    assert_eq!(at(0.0125, 5, -4), "12.5ms");
    assert_eq!(at(2.5, 5, -1), "2.5s");
    assert_eq!(at(45.0, 15, 0), "45s");
    assert_eq!(at(90.0, 30, 0), "1m30s");
    assert_eq!(at(120.0, 30, 0), "2m");
    assert_eq!(at(3600.0, 1800, 0), "1h");
    assert_eq!(at(3900.0, 300, 0), "1h05m");
    assert_eq!(at(3630.0, 30, 0), "1h00m30s");
    assert_eq!(at(-30.0, 15, 0), "-30s");
    assert_eq!(at(-0.5, 5, -1), "-500ms");
    // Off the ticks: written at the nearest tick, so never more digits than the step.
    assert_eq!(at(62.4999, 5, -1), "1m02.5s");
}

#[test]
fn duration_labels_are_distinct_and_exact_at_their_step() {
    // Ranges from milliseconds to days, starting anywhere: every label reads back (by
    // the scenario's own duration parser) as exactly its tick, to the microsecond,
    // and no two ticks of an axis read alike.
    let mut axes = 0;
    for lo in [0.0, 0.0137, 1.0, 59.7, 61.8, 117.6, 599.9, 3598.2, 86_000.0] {
        for span in [
            0.0004, 0.003, 0.07, 0.9, 2.5, 4.0, 13.0, 95.0, 700.0, 5000.0, 90_000.0,
        ] {
            for most in [2, 5, 8, 9, 12] {
                let ticks = labelled(Scale::Seconds, lo, lo + span, most);
                assert!(ticks.len() <= most, "{lo} +{span}: {ticks:?}");
                // Room for at least two (with two at most, the step may pass the span).
                assert!(ticks.len() >= 2 || most < 5, "{lo} +{span} {most}");
                let mut seen = std::collections::HashSet::new();
                for (t, label) in &ticks {
                    assert_eq!(
                        read_back(label),
                        (t * 1e6).round() as u64,
                        "{lo} +{span}: {label} for {t}"
                    );
                    assert!(seen.insert(label.clone()), "{lo} +{span}: {ticks:?}");
                }
                axes += 1;
            }
        }
    }
    assert_eq!(axes, 9 * 11 * 5);
}

#[test]
fn time_ticks_fall_on_clock_steps() {
    assert_eq!(
        duration_ticks(0.0, 100.0, 8),
        [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0]
    );
    assert_eq!(
        duration_ticks(0.0, 1320.0, 8),
        [0.0, 300.0, 600.0, 900.0, 1200.0]
    );
    assert_eq!(duration_ticks(0.0, 1.0, 8), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    // Past the clock steps: whole half hours (10 h in 1.5 h steps).
    assert_eq!(
        duration_ticks(0.0, 36_000.0, 8),
        [
            0.0, 5400.0, 10_800.0, 16_200.0, 21_600.0, 27_000.0, 32_400.0
        ]
    );
    assert!(duration_ticks(5.0, 5.0, 8).is_empty());
    assert!(duration_ticks(0.0, f64::NAN, 8).is_empty());
    assert!(duration_ticks(0.0, f64::INFINITY, 8).is_empty());
    // Far beyond any rollout: no endless list of ticks.
    assert!(duration_ticks(0.0, 1e300, 8).len() <= 8);
}

#[test]
fn percent_labels_keep_the_digits_their_step_needs() {
    // 0.05-point steps need two decimals; 20-point steps none.
    assert_eq!(
        labels(Scale::Fraction, 0.9989, 1.0, 8),
        ["99.9%", "99.92%", "99.94%", "99.96%", "99.98%", "100%"]
    );
    assert_eq!(
        labels(Scale::Fraction, 0.0, 1.0, 6),
        ["0%", "20%", "40%", "60%", "80%", "100%"]
    );
    assert_eq!(
        labels(Scale::Fraction, -0.0004, 0.0004, 5),
        ["-0.04%", "-0.02%", "0%", "0.02%", "0.04%"]
    );
    // Every label reads back as its tick and no two are alike, down to tiny ranges.
    for lo in [0.0, 0.25, 0.9, 0.9995, 0.999_999] {
        for span in [1e-7, 1e-5, 3e-4, 0.01, 0.07, 0.5] {
            let ticks = labelled(Scale::Fraction, lo, lo + span, 8);
            assert!(ticks.len() >= 2, "{lo} +{span}: {ticks:?}");
            for (i, (t, label)) in ticks.iter().enumerate() {
                let read: f64 = label.trim_end_matches('%').parse().unwrap();
                assert!((read / 100.0 - t).abs() < 1e-12, "{label} for {t}");
                assert!(ticks[..i].iter().all(|o| o.1 != *label), "{ticks:?}");
            }
        }
    }
}

#[test]
fn number_labels_are_exact_and_distinct() {
    assert_eq!(
        labels(Scale::Number, 0.0, 8.6, 6),
        ["0", "2", "4", "6", "8"]
    );
    assert_eq!(
        labels(Scale::Number, 7.0, 8.0, 6),
        ["7", "7.2", "7.4", "7.6", "7.8", "8"]
    );
    // Thousands as `k` only when no digit of the step is lost.
    assert_eq!(
        labels(Scale::Number, 10_000.0, 12_000.0, 6),
        ["10k", "10.5k", "11k", "11.5k", "12k"]
    );
    assert_eq!(
        labels(Scale::Number, 10_000.0, 10_040.0, 6),
        ["10000", "10010", "10020", "10030", "10040"]
    );
}

#[test]
fn percents_drop_trailing_zeros() {
    assert_eq!(percent_tick(0.97), "97%");
    assert_eq!(percent_tick(0.995), "99.5%");
    assert_eq!(percent_tick(1.0), "100%");
}

#[test]
fn ratio_axes_stay_inside_zero_and_one() {
    let inside = |(lo, hi): (f64, f64)| (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi);
    // The audit's one-point sweep: 100% alone is not 90%–110%.
    let (lo, hi) = padded(Scale::Fraction, [1.0], 0.08);
    assert_eq!(hi, 1.0);
    assert!(lo < 0.9 && lo > 0.5, "{lo}");
    let (lo, hi) = padded(Scale::Fraction, [0.0], 0.08);
    assert_eq!(lo, 0.0);
    assert!(hi > 0.0 && hi <= 1.0, "{hi}");
    // A value in the middle keeps its centred range.
    let (lo, hi) = padded(Scale::Fraction, [0.5], 0.0);
    assert!(
        (lo - 0.45).abs() < 1e-12 && (hi - 0.55).abs() < 1e-12,
        "{lo} {hi}"
    );
    // Padding that would pass 100% goes below instead; the data's own range is kept.
    let (lo, hi) = padded(Scale::Fraction, [0.999, 1.0], 0.08);
    assert_eq!(hi, 1.0);
    assert!(lo < 0.999 && lo > 0.998, "{lo}");
    for values in [
        vec![],
        vec![0.3, 0.9],
        vec![0.0, 1.0],
        vec![1.0000001, 0.99],
        vec![-0.2],
        vec![f64::NAN, 0.7],
        vec![0.666_667; 3],
    ] {
        for pad in [0.0, 0.08, 0.5, 3.0] {
            let r = padded(Scale::Fraction, values.iter().copied(), pad);
            assert!(inside(r) && r.0 < r.1, "{values:?} {pad}: {r:?}");
        }
    }
    // Durations and counts never go below 0; other numbers may.
    assert_eq!(padded(Scale::Seconds, [0.0, 10.0], 0.1).0, 0.0);
    assert_eq!(padded(Scale::Number, [-1.0, 1.0], 0.5), (-2.0, 2.0));
}

#[test]
fn ranges_are_never_empty() {
    assert_eq!(span([]), (0.0, 1.0));
    assert_eq!(span([0.0, 0.0]), (-1.0, 1.0));
    assert_eq!(span([10.0]), (9.0, 11.0));
    assert_eq!(span([3.0, f64::NAN, 1.0]), (1.0, 3.0));
    assert_eq!(from_zero([0.0]), (0.0, 1.0));
    assert_eq!(from_zero([50.0]), (0.0, 54.0));
}
