//! A compact, exact column of numbers: what exact percentiles of a million trials cost.
//!
//! Exact percentiles need every value, but not as an `f64` each. The columns of a rollout
//! are mostly small counts (`min_ready` = 4), decimals with few digits (a duration is a
//! whole number of microseconds, so `47.123456` = 47123456 / 10⁶; cpu is whole millicores)
//! or large round numbers (memory in bytes). A [`CompactColumn`] stores each value as the
//! smallest of
//!
//! ```text
//! m / 10^e   with m a 1-, 2-, 4- or 8-byte unsigned integer and e ∈ {0, 3, 6},
//! raw f64    (8 bytes) for anything else (latencies, ratios, negatives, −0, NaN)
//! ```
//!
//! that gives back **the same `f64` bits**: an encoding is used only when
//! `(m as f64) / 10^e` reproduces the value exactly, so statistics over the column are
//! identical to statistics over the original values. A count below 256 costs 1 byte, a
//! duration below 71 minutes 4 bytes.
//!
//! Values live in chunks of [`CHUNK_LEN`], each with its own encoding, so one outlier
//! widens its own chunk only, growth never copies the whole column, and the memory is the
//! data plus at most one partly filled chunk. A new chunk starts with the encoding of the
//! one before it (re-encoding a chunk is rare), and widens when a value does not fit.

/// Values per chunk.
pub const CHUNK_LEN: usize = 4096;

/// How values are stored: `m / scale` in `width` bytes, or the raw bits.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Encoding {
    /// Bytes per value: 1, 2, 4 or 8 (a byte, so a chunk that keeps its encoding at hand
    /// stays small).
    width: u8,
    /// 10^e, e ∈ {0, 3, 6}; unused when `raw`.
    scale: f64,
    /// The stored integer must be below this (2⁵³ for 8 bytes: beyond it an `f64` no
    /// longer holds every integer).
    limit: u64,
    /// Store `f64::to_bits`.
    raw: bool,
}

const fn scaled(width: u8, scale: f64) -> Encoding {
    let bits = if width == 8 { 53 } else { 8 * width as u32 };
    Encoding {
        width,
        scale,
        limit: 1u64 << bits,
        raw: false,
    }
}

/// Every encoding, in order of preference: narrowest first, then fewest decimals.
const ENCODINGS: [Encoding; 13] = [
    scaled(1, 1.0),
    scaled(1, 1e3),
    scaled(1, 1e6),
    scaled(2, 1.0),
    scaled(2, 1e3),
    scaled(2, 1e6),
    scaled(4, 1.0),
    scaled(4, 1e3),
    scaled(4, 1e6),
    scaled(8, 1.0),
    scaled(8, 1e3),
    scaled(8, 1e6),
    Encoding {
        width: 8,
        scale: 1.0,
        limit: 0,
        raw: true,
    },
];

impl Encoding {
    /// The stored integer for `x`, if this encoding gives back exactly `x`.
    #[inline]
    fn encode(self, x: f64) -> Option<u64> {
        if self.raw {
            return Some(x.to_bits());
        }
        // Round half up by a saturating cast (inline, unlike `f64::round`): negatives and
        // NaN become 0, and any rounding slip is caught by the check below, which only
        // costs compactness, never exactness.
        let m = (x * self.scale + 0.5) as u64;
        // Below the limit every integer is an exact f64; bit equality also refuses −0,
        // which would come back as +0.
        (m < self.limit && self.decode(m).to_bits() == x.to_bits()).then_some(m)
    }

    /// One correctly rounded division: the same expression encodes and decodes.
    #[inline]
    fn decode(self, stored: u64) -> f64 {
        if self.raw {
            f64::from_bits(stored)
        } else {
            stored as f64 / self.scale
        }
    }
}

/// Appends the `width` low bytes of `m`, little-endian. Always inline: a call costs more
/// than the write, and every trial writes a value to each column.
#[inline(always)]
fn write(bytes: &mut Vec<u8>, width: u8, m: u64) {
    match width {
        1 => bytes.push(m as u8),
        2 => bytes.extend_from_slice(&(m as u16).to_le_bytes()),
        4 => bytes.extend_from_slice(&(m as u32).to_le_bytes()),
        _ => bytes.extend_from_slice(&m.to_le_bytes()),
    }
}

/// The little-endian `W`-byte integers of `bytes`.
fn read<const W: usize>(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(W).map(|b| {
        let mut le = [0u8; 8];
        le[..W].copy_from_slice(b);
        u64::from_le_bytes(le)
    })
}

/// Up to [`CHUNK_LEN`] values in one encoding, little-endian, `width` bytes each.
#[derive(Debug, Clone)]
struct Chunk {
    /// Index into [`ENCODINGS`].
    encoding: usize,
    /// `ENCODINGS[encoding]`, kept at hand: every push reads it.
    enc: Encoding,
    /// Values held.
    len: usize,
    bytes: Vec<u8>,
}

impl Chunk {
    /// Appends the values to `out`: one tight loop per width.
    fn decode_into(&self, out: &mut Vec<f64>) {
        let enc = self.enc;
        let bytes = &self.bytes;
        match enc.width {
            1 => out.extend(read::<1>(bytes).map(|m| enc.decode(m))),
            2 => out.extend(read::<2>(bytes).map(|m| enc.decode(m))),
            4 => out.extend(read::<4>(bytes).map(|m| enc.decode(m))),
            _ => out.extend(read::<8>(bytes).map(|m| enc.decode(m))),
        }
    }

    /// Appends `x`, re-encoding the chunk into the first encoding at or after its own that
    /// holds every value and `x` (Raw holds anything, so there always is one).
    #[inline]
    fn push(&mut self, x: f64) {
        let enc = self.enc;
        if let Some(m) = enc.encode(x) {
            write(&mut self.bytes, enc.width, m);
            self.len += 1;
        } else {
            self.widen(x);
        }
    }

    /// [`Chunk::push`] of a value its encoding cannot hold (rare: out of line).
    #[cold]
    #[inline(never)]
    fn widen(&mut self, x: f64) {
        let mut old = Vec::with_capacity(self.len + 1);
        self.decode_into(&mut old);
        old.push(x);
        let next = (self.encoding + 1..ENCODINGS.len())
            .find(|&i| old.iter().all(|&v| ENCODINGS[i].encode(v).is_some()))
            .unwrap_or(ENCODINGS.len() - 1);
        let enc = ENCODINGS[next];
        let mut bytes = Vec::with_capacity(CHUNK_LEN * usize::from(enc.width));
        for &v in &old {
            // `next` was chosen so that every value encodes.
            write(&mut bytes, enc.width, enc.encode(v).unwrap_or(v.to_bits()));
        }
        *self = Chunk {
            encoding: next,
            enc,
            len: old.len(),
            bytes,
        };
    }
}

/// A column of `f64` values stored compactly and exactly (see the [module docs](self)).
///
/// The order of values is kept, but statistics need only the multiset: [`append`] joins
/// two columns (two shards, two thread-local builders) in O(chunks).
///
/// The values pushed last, while they are all the same value, are held as a run (the
/// value's bits and how many) and go into the chunks only when a different value comes:
/// most columns of a run are constant (every trial has the same replica count, no
/// restarts, no pending task), and a push that matches the run is one compare and one
/// add instead of the chunk's encoding and write.
///
/// [`append`]: CompactColumn::append
#[derive(Debug, Clone, Default)]
pub struct CompactColumn {
    chunks: Vec<Chunk>,
    /// Values in `chunks`.
    stored: usize,
    /// The bits of the run's value (any bits when `run` is 0: a push that matches them
    /// starts the run as well as a push that does not).
    run_bits: u64,
    /// Values of the run, pushed after every value in `chunks`.
    run: usize,
}

impl CompactColumn {
    /// An empty column; allocates nothing until the first value.
    pub fn new() -> CompactColumn {
        CompactColumn::default()
    }

    /// Appends `x`.
    #[inline]
    pub fn push(&mut self, x: f64) {
        let bits = x.to_bits();
        if bits == self.run_bits {
            self.run += 1;
        } else {
            self.new_run(bits);
        }
    }

    /// Appends `v as f64` (the same value, bit for bit), for a count.
    #[inline(always)]
    pub fn push_int(&mut self, v: u64) {
        self.push(v as f64);
    }

    /// A value other than the run's: the run goes into the chunks, and `bits` starts the
    /// next one. Out of line: constant columns never come here after their first value.
    #[inline(never)]
    fn new_run(&mut self, bits: u64) {
        self.store_run();
        self.run_bits = bits;
        self.run = 1;
    }

    /// Moves the run into the chunks.
    fn store_run(&mut self) {
        let x = f64::from_bits(self.run_bits);
        for _ in 0..self.run {
            self.store(x);
        }
        self.stored += std::mem::take(&mut self.run);
    }

    /// Appends `x` to the chunks.
    #[inline]
    fn store(&mut self, x: f64) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len < CHUNK_LEN => chunk.push(x),
            last => {
                let encoding = last.map_or(0, |c| c.encoding);
                self.start_chunk(encoding, x);
            }
        }
    }

    /// A new chunk holding `x`, starting in `encoding` (where the previous chunk ended up,
    /// or the narrowest); once every [`CHUNK_LEN`] values, so out of line.
    #[inline(never)]
    fn start_chunk(&mut self, encoding: usize, x: f64) {
        let mut chunk = Chunk {
            encoding,
            enc: ENCODINGS[encoding],
            len: 0,
            bytes: Vec::with_capacity(CHUNK_LEN * usize::from(ENCODINGS[encoding].width)),
        };
        chunk.push(x);
        self.chunks.push(chunk);
    }

    /// Moves every value of `other` to the end of this column.
    pub fn append(&mut self, other: &mut CompactColumn) {
        // This column's run comes before `other`'s values; `other`'s run stays the last.
        self.store_run();
        (self.run_bits, self.run) = (other.run_bits, other.run);
        self.stored += other.stored;
        self.chunks.append(&mut other.chunks);
        *other = CompactColumn::default();
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.stored + self.run
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value all the values are (bit for bit), if there is at least one and they are
    /// all the same.
    pub fn only_value(&self) -> Option<f64> {
        (self.stored == 0 && self.run > 0).then_some(f64::from_bits(self.run_bits))
    }

    /// Appends the values to `out`, in the order they were pushed, bit-identical to what
    /// was pushed.
    pub fn decode_into(&self, out: &mut Vec<f64>) {
        out.reserve(self.len());
        self.chunks.iter().for_each(|c| c.decode_into(out));
        out.extend(std::iter::repeat_n(f64::from_bits(self.run_bits), self.run));
    }

    /// The values as a vector ([`CompactColumn::decode_into`] a new one).
    pub fn to_vec(&self) -> Vec<f64> {
        let mut out = Vec::new();
        self.decode_into(&mut out);
        out
    }

    /// Heap bytes held (allocated capacity, not just the values).
    pub fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Chunk>()
            + self
                .chunks
                .iter()
                .map(|c| c.bytes.capacity())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(xs: &[f64]) -> CompactColumn {
        let mut c = CompactColumn::new();
        xs.iter().for_each(|&x| c.push(x));
        c
    }

    /// [`column`] with its run moved into the chunks, to look at their encodings.
    fn stored(xs: &[f64]) -> CompactColumn {
        let mut c = column(xs);
        c.store_run();
        c
    }

    fn bits(c: &CompactColumn) -> Vec<u64> {
        c.to_vec().into_iter().map(f64::to_bits).collect()
    }

    #[test]
    fn gives_back_the_same_bits() {
        let xs = [
            4.0,
            0.0,
            47.123456,
            130.5,
            2.0f64.powi(40),
            0.999_751_2,
            -3.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            1e300,
            4.5,
            1e-7,
        ];
        let c = column(&xs);
        assert_eq!(bits(&c), xs.map(f64::to_bits));
        assert_eq!(c.len(), xs.len());
    }

    /// Each kind of column takes the bytes the module docs promise.
    #[test]
    fn narrowest_exact_encoding() {
        let width = |xs: &[f64]| {
            let c = stored(xs);
            ENCODINGS[c.chunks[0].encoding].width
        };
        assert_eq!(width(&[4.0, 5.0, 255.0]), 1);
        assert_eq!(width(&[4.0, 256.0]), 2);
        assert_eq!(width(&[0.25, 3.5]), 2, "millis: 250, 3500");
        // Microsecond durations: 47123456 µs fits 4 bytes, 4295 s no longer does.
        assert_eq!(width(&[47.123456, 130.0]), 4);
        assert_eq!(width(&[47.123456, 4295.0]), 8);
        assert_eq!(width(&[4.0 * 1024.0 * 1024.0 * 1024.0]), 8);
        assert_eq!(width(&[0.1 + 0.2]), 8, "not a short decimal: raw");
        assert_eq!(stored(&[0.1 + 0.2]).chunks[0].encoding, ENCODINGS.len() - 1);
    }

    #[test]
    fn outliers_widen_their_chunk_only() {
        let mut xs: Vec<f64> = (0..3 * CHUNK_LEN).map(|i| (i % 7) as f64).collect();
        xs[CHUNK_LEN + 5] = 1e6;
        let c = stored(&xs);
        let widths: Vec<u8> = c
            .chunks
            .iter()
            .map(|ch| ENCODINGS[ch.encoding].width)
            .collect();
        assert_eq!(widths, [1, 4, 4], "a new chunk starts as wide as the last");
        assert_eq!(bits(&c), xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        // Data plus the per-chunk overhead: about 1 + 4 + 4 bytes per value.
        assert!(c.heap_bytes() <= 9 * CHUNK_LEN + 3 * size_of::<Chunk>() + 64);
    }

    #[test]
    fn append_keeps_every_value_and_pushes_continue() {
        let mut a = column(&[1.0, 2.0]);
        let mut b = column(&[3.5, 0.1 + 0.2]);
        a.append(&mut b);
        assert!(b.is_empty() && b.to_vec().is_empty());
        a.push(7.0);
        assert_eq!(a.len(), 5);
        let want = [1.0, 2.0, 3.5, 0.1 + 0.2, 7.0];
        assert_eq!(bits(&a), want.map(f64::to_bits));
    }

    /// Counts pushed as integers come back as the `f64` of each, whatever the chunk's
    /// encoding (whole numbers, decimals, raw) and however large.
    #[test]
    fn integers_give_back_their_f64() {
        let ints = [0, 7, 255, 256, 70_000, 1 << 40, (1 << 53) + 1, u64::MAX];
        for start in [&[][..], &[0.5][..], &[0.1 + 0.2][..]] {
            let mut c = column(start);
            let mut want: Vec<f64> = start.to_vec();
            for v in ints {
                c.push_int(v);
                want.push(v as f64);
            }
            assert_eq!(
                bits(&c),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    /// Runs of one value (held apart from the chunks until another value comes) come back
    /// in place: among other values, across chunk boundaries, after an append, and for
    /// values whose bits are equal though the numbers are not (−0, NaN) or the other way
    /// round.
    #[test]
    fn runs_keep_their_place() {
        let mut xs = vec![0.0, 0.0, -0.0, -0.0, 3.0, f64::NAN, f64::NAN, 0.0];
        xs.extend(std::iter::repeat_n(5.5, CHUNK_LEN + 3));
        xs.extend([7.0, 7.0, 0.0]);
        xs.extend(std::iter::repeat_n(1.0, 2 * CHUNK_LEN));
        let bits_of = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let c = column(&xs);
        assert_eq!(c.len(), xs.len());
        assert_eq!(bits(&c), bits_of(&xs));
        for split in [0, 1, 2, 5, 8, 9, CHUNK_LEN, xs.len() - 1, xs.len()] {
            let mut a = column(&xs[..split]);
            let mut b = column(&xs[split..]);
            a.append(&mut b);
            assert!(b.is_empty());
            a.push(2.0);
            a.push(2.0);
            let mut want = xs.clone();
            want.extend([2.0, 2.0]);
            assert_eq!(a.len(), want.len(), "split at {split}");
            assert_eq!(bits(&a), bits_of(&want), "split at {split}");
        }
    }

    #[test]
    fn only_value_of_a_single_run() {
        assert_eq!(column(&[]).only_value(), None);
        assert_eq!(column(&[2.5, 2.5]).only_value(), Some(2.5));
        assert_eq!(column(&[0.0, -0.0]).only_value(), None);
        assert_eq!(column(&[1.0, 2.0, 2.0]).only_value(), None);
        assert!(column(&[f64::NAN; 3]).only_value().unwrap().is_nan());
    }

    #[test]
    fn empty() {
        let c = CompactColumn::new();
        assert!(c.is_empty());
        assert_eq!(c.heap_bytes(), 0);
        assert!(c.to_vec().is_empty());
    }
}
