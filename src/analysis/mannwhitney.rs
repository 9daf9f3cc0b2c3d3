//! The two-sample Mann-Whitney U (Wilcoxon rank-sum) test with the confidence interval
//! and Hodges-Lehmann estimate of the location shift `x − y`, as Kayenta computes them.
//!
//! A port of `spinnaker/kayenta@a69573b` (v2.46.0)
//! `kayenta-mannwhitney/.../MannWhitney.scala` (`wilcoxonDiff`,
//! `calculateConfidenceInterval`) and `BrentSolver.java`, which are themselves R's
//! `wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)` and `uniroot`
//! (Brent's `zeroin`, tolerance 1e-4): the normal approximation with tie and continuity
//! correction, inverted by root finding.

/// Upper 1% point of the standard normal: the two-sided 98% confidence Kayenta's judge
/// uses (`NetflixACAJudge.scala`: `confLevel = 0.98`).
pub const Z_98: f64 = 2.326_347_874_040_840_8;
/// Upper 2.5% point of the standard normal (95% two-sided).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// `BrentSolver.TOLERANCE`.
const TOLERANCE: f64 = 1e-4;
/// `BrentSolver.MAX_ITERATIONS`.
const MAX_ITERATIONS: u32 = 1000;

/// The test's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// Lower end of the confidence interval of the shift `x − y`.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// Hodges-Lehmann estimate of the shift.
    pub estimate: f64,
}

/// Every observation is tied: no interval can be computed (Kayenta throws).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllTied;

/// Average ranks (1-based) of `v`, ties sharing the mean of their ranks; also returns
/// Σ(t³ − t) over the tie groups.
fn ranks(v: &[f64]) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j]] == v[order[i]] {
            j += 1;
        }
        let mean = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            r[k] = mean;
        }
        let t = (j - i) as f64;
        ties += t * t * t - t;
        i = j;
    }
    (r, ties)
}

/// The Mann-Whitney U of `x`: the number of pairs with `x_i > y_j`, ties counting ½,
/// computed from the rank sum (`W − n_x(n_x + 1)/2`, R's `W`).
pub fn u_statistic(x: &[f64], y: &[f64]) -> f64 {
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (r, _) = ranks(&all);
    let nx = x.len() as f64;
    r[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0
}

/// `wilcoxonDiff`: the continuity-corrected z statistic of `x − mu` against `y`, minus
/// `zq`.
pub fn wilcoxon_diff(mu: f64, zq: f64, x: &[f64], y: &[f64]) -> Result<f64, AllTied> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let all: Vec<f64> = x.iter().map(|v| v - mu).chain(y.iter().copied()).collect();
    let (r, ties) = ranks(&all);
    let dz = r[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
    let correction = if dz == 0.0 { 0.0 } else { dz.signum() * 0.5 };
    let n = nx + ny;
    let sigma = ((nx * ny / 12.0) * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    if sigma == 0.0 || sigma.is_nan() {
        return Err(AllTied);
    }
    Ok((dz - correction) / sigma - zq)
}

/// The confidence interval at two-sided normal point `z` (e.g. [`Z_98`]) and the
/// estimate of the shift `x − y` (`calculateConfidenceInterval`). Both samples must be
/// non-empty.
pub fn shift(x: &[f64], y: &[f64], z: f64) -> Result<Shift, AllTied> {
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mu_min, mu_max) = (min(x) - max(y), max(x) - min(y));
    let f = |zq: f64| move |mu: f64| wilcoxon_diff(mu, zq, x, y);
    let root = |zq: f64| -> Result<f64, AllTied> {
        let (lo, hi) = (f(zq)(mu_min)?, f(zq)(mu_max)?);
        if lo <= 0.0 {
            Ok(mu_min)
        } else if hi >= 0.0 {
            Ok(mu_max)
        } else {
            brent(mu_min, mu_max, lo, hi, f(zq))
        }
    };
    let lower = root(z)?;
    let upper = root(-z)?;
    let estimate = brent(mu_min, mu_max, f(0.0)(mu_min)?, f(0.0)(mu_max)?, f(0.0))?;
    Ok(Shift {
        lower,
        upper,
        estimate,
    })
}

/// `BrentSolver.solve`: R's `zeroin` on `[ax, bx]` with `f(ax) = fa`, `f(bx) = fb`.
fn brent(
    ax: f64,
    bx: f64,
    fa: f64,
    fb: f64,
    func: impl Fn(f64) -> Result<f64, AllTied>,
) -> Result<f64, AllTied> {
    let (mut a, mut b, mut fa, mut fb) = (ax, bx, fa, fb);
    let (mut c, mut fc) = (a, fa);
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    for _ in 0..=MAX_ITERATIONS {
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * f64::EPSILON * b.abs() + TOLERANCE / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return Ok(b);
        }
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                // Inverse quadratic interpolation.
                let qq = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0));
                q = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < 0.75 * cb * q - (tol_act * q).abs() / 2.0 && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = func(b)?;
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
        }
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// U by its definition: pairs with x > y, ties ½ — independent of the ranks.
    fn u_by_pairs(x: &[f64], y: &[f64]) -> f64 {
        let mut u = 0.0;
        for a in x {
            for b in y {
                u += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
        u
    }

    /// R's `?wilcox.test` example (Hollander & Wolfe, permeability constants):
    /// `wilcox.test(x, y, alternative = "g")` reports `W = 35`.
    #[test]
    fn u_matches_r_and_the_pair_count() {
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
        let y = [1.15, 0.88, 0.90, 0.74, 1.21];
        assert_eq!(u_statistic(&x, &y), 35.0);
        // U_x + U_y = n_x n_y.
        assert_eq!(u_statistic(&y, &x), 50.0 - 35.0);
        // A hand table with ties: x = [1, 2, 2, 5], y = [2, 3].
        // Pairs: 1 loses both; each 2 ties the 2 (½) and loses to 3; 5 wins both: U = 3.
        let (x, y) = ([1.0, 2.0, 2.0, 5.0], [2.0, 3.0]);
        assert_eq!(u_statistic(&x, &y), 3.0);
        assert_eq!(u_by_pairs(&x, &y), 3.0);
        // Separated samples: 0 and n_x n_y.
        assert_eq!(u_statistic(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 0.0);
        assert_eq!(u_statistic(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0]), 9.0);
    }

    #[test]
    fn u_agrees_with_pairs_on_random_tied_samples() {
        let mut rng = crate::sim::Key::trial(5, 0, crate::sim::Purpose::Controller).rng();
        for _ in 0..50 {
            let nx = 1 + rng.below(12) as usize;
            let ny = 1 + rng.below(12) as usize;
            let x: Vec<f64> = (0..nx).map(|_| rng.below(5) as f64).collect();
            let y: Vec<f64> = (0..ny).map(|_| rng.below(5) as f64).collect();
            assert_eq!(u_statistic(&x, &y), u_by_pairs(&x, &y), "{x:?} {y:?}");
        }
    }

    /// The z statistic at shift 0 by hand: x = [1, 2, 2, 5], y = [2, 3]: U = 3,
    /// E[U] = 4, dz = −1, correction −½; ties: one group of three 2s (t³ − t = 24);
    /// σ² = (4·2/12)(7 − 24/30) = 4.1333…; z = (−1 + ½)/σ.
    #[test]
    fn z_statistic_by_hand() {
        let z = wilcoxon_diff(0.0, 0.0, &[1.0, 2.0, 2.0, 5.0], &[2.0, 3.0]).unwrap();
        let sigma: f64 = ((8.0 / 12.0) * (7.0 - 24.0 / 30.0_f64)).sqrt();
        assert!((z - (-0.5 / sigma)).abs() < 1e-12, "{z}");
        assert_eq!(wilcoxon_diff(0.0, 0.0, &[1.0, 1.0], &[1.0]), Err(AllTied));
    }

    /// An exact shift: x = y + 5. The Hodges-Lehmann estimate (median of the pairwise
    /// differences) is 5 and the interval holds it.
    #[test]
    fn an_exact_shift_is_estimated() {
        let y: Vec<f64> = (1..=20).map(f64::from).collect();
        let x: Vec<f64> = y.iter().map(|v| v + 5.0).collect();
        let s = shift(&x, &y, Z_98).unwrap();
        assert!((s.estimate - 5.0).abs() < 1e-3, "{s:?}");
        assert!(s.lower < 5.0 && s.upper > 5.0 && s.lower > 0.0, "{s:?}");
    }

    /// Kayenta's `MannWhitneySuite` "Tie out with R Version" (95% confidence): R gives
    /// [−0.500002521696696, −3.486287505871302e−5] and estimate −0.4999393907180323.
    #[test]
    fn ties_out_with_r_like_kayentas_suite() {
        let control = [
            1.5, 6.0, 5.0, 2.5, 2.5, 2.0, 2.0, 3.5, 3.0, 3.0, 3.0, 2.0, 3.0, 8.0, 4.0, 2.5, 3.0,
            2.5, 2.5, 2.0, 2.5, 2.0, 2.0, 2.5, 3.5, 3.0, 1.5, 5.0, 2.5, 5.5, 2.0, 2.5, 3.5, 2.0,
            2.5, 4.0, 2.0, 2.0, 2.0, 2.0, 5.5, 4.5, 4.0, 3.0, 3.0, 3.5, 2.5, 3.0, 2.5, 4.0, 6.0,
            2.0, 5.0, 6.0, 3.5, 3.0, 54.5, 3.0, 5.0, 6.0, 3.5, 4.5, 2.5, 2.0, 6.0, 5.0, 2.5, 3.5,
            2.0, 3.0, 2.5, 3.5, 3.5, 2.5, 3.0, 4.5, 3.0, 15.5, 5.0, 2.5, 3.0, 4.0, 3.5, 4.0, 4.0,
            2.0, 4.5, 2.5, 4.0, 3.0,
        ];
        let experiment = [
            2.5, 2.5, 2.0, 2.5, 3.5, 2.0, 3.5, 1.5, 3.0, 3.0, 2.5, 3.5, 2.0, 2.5, 2.0, 2.0, 5.0,
            3.0, 2.0, 1.5, 2.0, 4.0, 3.0, 2.5, 3.0, 2.0, 2.0, 2.0, 2.5, 3.5, 1.5, 1.5, 3.5, 2.0,
            2.5, 2.5, 3.0, 3.5, 2.5, 6.5, 2.5, 4.0, 2.5, 3.0, 2.5, 6.5, 2.5, 3.0, 1.5, 2.0, 2.5,
            3.0, 7.5, 1.5, 2.0, 4.0, 2.5, 2.0, 2.5, 3.5, 4.0, 2.5, 3.0, 2.5, 2.0, 3.5, 3.0, 16.5,
            3.0, 3.0, 7.0, 4.5, 5.0, 2.0, 3.5, 6.0, 1.5, 3.0, 2.5, 4.0, 3.0, 1.5, 5.0, 3.0, 2.5,
            5.5, 3.0, 1.5, 2.5, 6.0,
        ];
        let s = shift(&experiment, &control, Z_95).unwrap();
        assert!((s.lower - -0.500002521696696).abs() < 1e-6, "{s:?}");
        assert!((s.upper - -3.486287505871302e-5).abs() < 1e-6, "{s:?}");
        assert!((s.estimate - -0.4999393907180323).abs() < 1e-4, "{s:?}");
    }
}
