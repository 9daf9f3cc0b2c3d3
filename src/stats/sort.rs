//! Sorting a metric's values in [`f64::total_cmp`] order, the order every statistic reads
//! them in: by integer keys, with a radix sort for long columns.
//!
//! Each value becomes a key whose unsigned order is the `total_cmp` order (the bits with
//! the sign bit set for a positive value, all bits flipped for a negative one). Equal keys
//! have equal bits, so the sorted values are, bit for bit, what any sort by `total_cmp`
//! gives. Summarising 50,000 trials spent about 21M instructions comparing (mostly the
//! durations, every one different); a least-significant-digit radix sort of the keys
//! reads each key a few times instead of `log₂ n` times, and skips the bytes every key
//! shares (the sign and exponent of a column of similar durations, all of a constant
//! column).

/// Below this many values a comparison sort is cheaper than the radix sort's histograms.
const RADIX_FROM: usize = 256;

/// Sorts `values` in [`f64::total_cmp`] order (see the [module docs](self)).
///
/// ```
/// let mut v = [2.0, -0.0, f64::INFINITY, 0.0, -3.5];
/// rollout_sim::stats::sort::sort_total(&mut v);
/// assert_eq!(v.map(f64::to_bits), [-3.5, -0.0, 0.0, 2.0, f64::INFINITY].map(f64::to_bits));
/// ```
pub fn sort_total(values: &mut [f64]) {
    sort_total_in(values, &mut SortBuffers::default());
}

/// The key buffers of [`sort_total_in`], kept by a caller that sorts column after column:
/// a summary of 200,000 trials sorts vectors of 1.6 MB, and buffers allocated afresh for
/// each column were fresh pages for the kernel to fault in and zero, about ten thousand
/// faults a summary.
#[derive(Debug, Default)]
pub struct SortBuffers {
    keys: Vec<u64>,
    out: Vec<u64>,
}

/// [`sort_total`] with the key buffers of `buffers`.
pub fn sort_total_in(values: &mut [f64], buffers: &mut SortBuffers) {
    const SIGN: u64 = 1 << 63;
    let keys = &mut buffers.keys;
    keys.clear();
    keys.extend(values.iter().map(|v| {
        let b = v.to_bits();
        if b & SIGN == 0 { b | SIGN } else { !b }
    }));
    // Most columns are sorted (a constant column is): nothing to sort or to write back.
    if keys.is_sorted() {
        return;
    }
    sort_keys(keys, &mut buffers.out);
    for (v, &k) in values.iter_mut().zip(keys.iter()) {
        *v = f64::from_bits(if k & SIGN != 0 { k & !SIGN } else { !k });
    }
}

/// Sorts `keys` ascending, with `out` as the radix sort's second buffer.
fn sort_keys(keys: &mut Vec<u64>, out: &mut Vec<u64>) {
    if keys.len() < RADIX_FROM {
        keys.sort_unstable();
        return;
    }
    // How many keys have each value of each byte, in one pass over the keys.
    let mut counts = [[0usize; 256]; 8];
    for &k in keys.iter() {
        for (byte, count) in counts.iter_mut().enumerate() {
            count[usize::from((k >> (8 * byte)) as u8)] += 1;
        }
    }
    out.clear();
    out.resize(keys.len(), 0);
    for (byte, count) in counts.iter().enumerate() {
        // A byte every key shares leaves the order as it is.
        if count.contains(&keys.len()) {
            continue;
        }
        let mut next = [0usize; 256];
        let mut at = 0;
        for (n, c) in next.iter_mut().zip(count) {
            *n = at;
            at += c;
        }
        // Stable: keys equal in this byte keep the order the lower bytes gave them.
        for &k in keys.iter() {
            let d = usize::from((k >> (8 * byte)) as u8);
            out[next[d]] = k;
            next[d] += 1;
        }
        std::mem::swap(keys, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer-key sort leaves the bits a sort by `total_cmp` leaves.
    #[test]
    fn sort_total_is_the_total_cmp_order() {
        let mut values = vec![
            3.5,
            -0.0,
            0.0,
            -1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-320,
            -1e-320,
            7.0,
            -7.0,
            2.0,
            2.0,
        ];
        values.extend((0..500).map(|i| ((i * 7_919) % 1_000) as f64 / 8.0 - 60.0));
        let mut want = values.clone();
        want.sort_by(f64::total_cmp);
        sort_total(&mut values);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&want));
    }

    /// Long columns (the radix sort): durations, negatives and infinities, a constant
    /// column, one already sorted, one reversed.
    #[test]
    fn long_columns_sort_as_total_cmp_does() {
        let durations: Vec<f64> = (0..5_000u64)
            .map(|i| (60_000_000 + i * 7_919 % 100_003 * 997) as f64 / 1e6)
            .collect();
        let mixed: Vec<f64> = (0..3_000i64)
            .map(|i| match i % 7 {
                0 => f64::INFINITY,
                1 => -((i * 31 % 1_000) as f64) / 3.0,
                2 => -0.0,
                _ => ((i * 7_919) % 10_007) as f64 * 1e-3,
            })
            .collect();
        let sorted: Vec<f64> = (0..1_000).map(f64::from).collect();
        let reversed: Vec<f64> = sorted.iter().rev().copied().collect();
        for values in [durations, mixed, vec![20.0; 2_000], sorted, reversed] {
            let mut want = values.clone();
            want.sort_by(f64::total_cmp);
            let mut got = values;
            sort_total(&mut got);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want));
        }
    }
}
