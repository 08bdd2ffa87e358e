//! H.265 core transforms for 8-bit video (8.6.4.2): DCT-II 4..32 and the 4x4 DST-VII.
//!
//! Blocks are row-major with stride `n = 1 << log2_size`; `coeffs[v * n + u]` holds
//! horizontal frequency `u` and vertical frequency `v` (the spec's d[u][v]).
//! `inverse` is bit-exact to the spec's matrix form; both directions use even/odd
//! butterflies, which only regroup exact integer sums and so change no result.

/// The spec's 32-point transMatrix: row k is basis function k. The n-point matrix
/// is rows 0, 32/n, 2*32/n, ... restricted to the first n columns.
#[rustfmt::skip]
pub(crate) const DCT: [[i8; 32]; 32] = [
    [ 64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,
      64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64,  64],
    [ 90,  90,  88,  85,  82,  78,  73,  67,  61,  54,  46,  38,  31,  22,  13,   4,
      -4, -13, -22, -31, -38, -46, -54, -61, -67, -73, -78, -82, -85, -88, -90, -90],
    [ 90,  87,  80,  70,  57,  43,  25,   9,  -9, -25, -43, -57, -70, -80, -87, -90,
     -90, -87, -80, -70, -57, -43, -25,  -9,   9,  25,  43,  57,  70,  80,  87,  90],
    [ 90,  82,  67,  46,  22,  -4, -31, -54, -73, -85, -90, -88, -78, -61, -38, -13,
      13,  38,  61,  78,  88,  90,  85,  73,  54,  31,   4, -22, -46, -67, -82, -90],
    [ 89,  75,  50,  18, -18, -50, -75, -89, -89, -75, -50, -18,  18,  50,  75,  89,
      89,  75,  50,  18, -18, -50, -75, -89, -89, -75, -50, -18,  18,  50,  75,  89],
    [ 88,  67,  31, -13, -54, -82, -90, -78, -46,  -4,  38,  73,  90,  85,  61,  22,
     -22, -61, -85, -90, -73, -38,   4,  46,  78,  90,  82,  54,  13, -31, -67, -88],
    [ 87,  57,   9, -43, -80, -90, -70, -25,  25,  70,  90,  80,  43,  -9, -57, -87,
     -87, -57,  -9,  43,  80,  90,  70,  25, -25, -70, -90, -80, -43,   9,  57,  87],
    [ 85,  46, -13, -67, -90, -73, -22,  38,  82,  88,  54,  -4, -61, -90, -78, -31,
      31,  78,  90,  61,   4, -54, -88, -82, -38,  22,  73,  90,  67,  13, -46, -85],
    [ 83,  36, -36, -83, -83, -36,  36,  83,  83,  36, -36, -83, -83, -36,  36,  83,
      83,  36, -36, -83, -83, -36,  36,  83,  83,  36, -36, -83, -83, -36,  36,  83],
    [ 82,  22, -54, -90, -61,  13,  78,  85,  31, -46, -90, -67,   4,  73,  88,  38,
     -38, -88, -73,  -4,  67,  90,  46, -31, -85, -78, -13,  61,  90,  54, -22, -82],
    [ 80,   9, -70, -87, -25,  57,  90,  43, -43, -90, -57,  25,  87,  70,  -9, -80,
     -80,  -9,  70,  87,  25, -57, -90, -43,  43,  90,  57, -25, -87, -70,   9,  80],
    [ 78,  -4, -82, -73,  13,  85,  67, -22, -88, -61,  31,  90,  54, -38, -90, -46,
      46,  90,  38, -54, -90, -31,  61,  88,  22, -67, -85, -13,  73,  82,   4, -78],
    [ 75, -18, -89, -50,  50,  89,  18, -75, -75,  18,  89,  50, -50, -89, -18,  75,
      75, -18, -89, -50,  50,  89,  18, -75, -75,  18,  89,  50, -50, -89, -18,  75],
    [ 73, -31, -90, -22,  78,  67, -38, -90, -13,  82,  61, -46, -88,  -4,  85,  54,
     -54, -85,   4,  88,  46, -61, -82,  13,  90,  38, -67, -78,  22,  90,  31, -73],
    [ 70, -43, -87,   9,  90,  25, -80, -57,  57,  80, -25, -90,  -9,  87,  43, -70,
     -70,  43,  87,  -9, -90, -25,  80,  57, -57, -80,  25,  90,   9, -87, -43,  70],
    [ 67, -54, -78,  38,  85, -22, -90,   4,  90,  13, -88, -31,  82,  46, -73, -61,
      61,  73, -46, -82,  31,  88, -13, -90,  -4,  90,  22, -85, -38,  78,  54, -67],
    [ 64, -64, -64,  64,  64, -64, -64,  64,  64, -64, -64,  64,  64, -64, -64,  64,
      64, -64, -64,  64,  64, -64, -64,  64,  64, -64, -64,  64,  64, -64, -64,  64],
    [ 61, -73, -46,  82,  31, -88, -13,  90,  -4, -90,  22,  85, -38, -78,  54,  67,
     -67, -54,  78,  38, -85, -22,  90,   4, -90,  13,  88, -31, -82,  46,  73, -61],
    [ 57, -80, -25,  90,  -9, -87,  43,  70, -70, -43,  87,   9, -90,  25,  80, -57,
     -57,  80,  25, -90,   9,  87, -43, -70,  70,  43, -87,  -9,  90, -25, -80,  57],
    [ 54, -85,  -4,  88, -46, -61,  82,  13, -90,  38,  67, -78, -22,  90, -31, -73,
      73,  31, -90,  22,  78, -67, -38,  90, -13, -82,  61,  46, -88,   4,  85, -54],
    [ 50, -89,  18,  75, -75, -18,  89, -50, -50,  89, -18, -75,  75,  18, -89,  50,
      50, -89,  18,  75, -75, -18,  89, -50, -50,  89, -18, -75,  75,  18, -89,  50],
    [ 46, -90,  38,  54, -90,  31,  61, -88,  22,  67, -85,  13,  73, -82,   4,  78,
     -78,  -4,  82, -73, -13,  85, -67, -22,  88, -61, -31,  90, -54, -38,  90, -46],
    [ 43, -90,  57,  25, -87,  70,   9, -80,  80,  -9, -70,  87, -25, -57,  90, -43,
     -43,  90, -57, -25,  87, -70,  -9,  80, -80,   9,  70, -87,  25,  57, -90,  43],
    [ 38, -88,  73,  -4, -67,  90, -46, -31,  85, -78,  13,  61, -90,  54,  22, -82,
      82, -22, -54,  90, -61, -13,  78, -85,  31,  46, -90,  67,   4, -73,  88, -38],
    [ 36, -83,  83, -36, -36,  83, -83,  36,  36, -83,  83, -36, -36,  83, -83,  36,
      36, -83,  83, -36, -36,  83, -83,  36,  36, -83,  83, -36, -36,  83, -83,  36],
    [ 31, -78,  90, -61,   4,  54, -88,  82, -38, -22,  73, -90,  67, -13, -46,  85,
     -85,  46,  13, -67,  90, -73,  22,  38, -82,  88, -54,  -4,  61, -90,  78, -31],
    [ 25, -70,  90, -80,  43,   9, -57,  87, -87,  57,  -9, -43,  80, -90,  70, -25,
     -25,  70, -90,  80, -43,  -9,  57, -87,  87, -57,   9,  43, -80,  90, -70,  25],
    [ 22, -61,  85, -90,  73, -38,  -4,  46, -78,  90, -82,  54, -13, -31,  67, -88,
      88, -67,  31,  13, -54,  82, -90,  78, -46,   4,  38, -73,  90, -85,  61, -22],
    [ 18, -50,  75, -89,  89, -75,  50, -18, -18,  50, -75,  89, -89,  75, -50,  18,
      18, -50,  75, -89,  89, -75,  50, -18, -18,  50, -75,  89, -89,  75, -50,  18],
    [ 13, -38,  61, -78,  88, -90,  85, -73,  54, -31,   4,  22, -46,  67, -82,  90,
     -90,  82, -67,  46, -22,  -4,  31, -54,  73, -85,  90, -88,  78, -61,  38, -13],
    [  9, -25,  43, -57,  70, -80,  87, -90,  90, -87,  80, -70,  57, -43,  25,  -9,
      -9,  25, -43,  57, -70,  80, -87,  90, -90,  87, -80,  70, -57,  43, -25,   9],
    [  4, -13,  22, -31,  38, -46,  54, -61,  67, -73,  78, -82,  85, -88,  90, -90,
      90, -90,  88, -85,  82, -78,  73, -67,  61, -54,  46, -38,  31, -22,  13,  -4],
];

/// The spec's 4x4 DST-VII matrix (luma intra 4x4): row k is basis function k.
const DST: [[i32; 4]; 4] = [
    [29, 55, 74, 84],
    [74, 74, 0, -74],
    [84, -29, -74, 55],
    [55, -84, 74, -29],
];

const COEFF_MIN: i32 = i16::MIN as i32;
const COEFF_MAX: i32 = i16::MAX as i32;

/// Odd basis functions of the 2H-point DCT on its first H samples:
/// `[k][i] = transMatrix[(2k + 1) * 32 / 2H][i]`. Even rows of the 2H-point matrix
/// are the H-point matrix mirrored, odd rows are mirrored with a sign change.
const fn odd_rows<const H: usize>() -> [[i32; H]; H] {
    let step = 16 / H;
    let mut m = [[0; H]; H];
    let mut k = 0;
    while k < H {
        let mut i = 0;
        while i < H {
            m[k][i] = DCT[(2 * k + 1) * step][i] as i32;
            i += 1;
        }
        k += 1;
    }
    m
}

const ODD4: [[i32; 2]; 2] = odd_rows();
const ODD8: [[i32; 4]; 4] = odd_rows();
const ODD16: [[i32; 8]; 8] = odd_rows();
const ODD32: [[i32; 16]; 16] = odd_rows();

/// Forward 2-D transform of a residual block (HM-equivalent: rows first with shift
/// `log2 - 1`, then columns with shift `log2 + 6`). `dst` selects DST-VII (4x4 only).
/// Residual magnitudes up to 4095 cannot overflow (8-bit residuals are within ±255).
pub fn forward(residual: &[i16], coeffs: &mut [i32], log2_size: u32, dst: bool) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2() {
        return cpu.forward(residual, coeffs, log2_size, dst);
    }
    forward_portable(residual, coeffs, log2_size, dst);
}

/// [`forward`] in portable code (also built for AVX2 by `x86::multiversion`).
#[inline(always)]
pub(crate) fn forward_portable(residual: &[i16], coeffs: &mut [i32], log2_size: u32, dst: bool) {
    check_size(log2_size, dst);
    match log2_size {
        2 if dst => forward_2d::<4, DstFwd4>(residual, coeffs, 2),
        2 => forward_2d::<4, DctFwd4>(residual, coeffs, 2),
        3 => forward_2d::<8, DctFwd8>(residual, coeffs, 3),
        4 => forward_2d::<16, DctFwd16>(residual, coeffs, 4),
        _ => forward_2d::<32, DctFwd32>(residual, coeffs, 5),
    }
}

/// Inverse 2-D transform exactly as 8.6.4.2 + 8.6.2 for 8-bit video: columns, then
/// `(x + 64) >> 7` clipped to 16 bits, then rows, then `(x + 2048) >> 12`.
/// Coefficients must lie in [-32768, 32767] (as `quant::dequantize` produces).
pub fn inverse(coeffs: &[i32], residual: &mut [i16], log2_size: u32, dst: bool) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = crate::cpu::avx2() {
        return cpu.inverse(coeffs, residual, log2_size, dst);
    }
    inverse_portable(coeffs, residual, log2_size, dst);
}

/// [`inverse`] in portable code (also built for AVX2 by `x86::multiversion`).
#[inline(always)]
pub(crate) fn inverse_portable(coeffs: &[i32], residual: &mut [i16], log2_size: u32, dst: bool) {
    let n = check_size(log2_size, dst);
    let (coeffs, residual) = (&coeffs[..n * n], &mut residual[..n * n]);
    debug_assert!(coeffs.iter().all(|c| (COEFF_MIN..=COEFF_MAX).contains(c)));
    if !dst && only_dc(coeffs) {
        residual.fill(inverse_dc(coeffs[0]));
        return;
    }
    match log2_size {
        2 if dst => inverse_2d::<4, DstInv4>(coeffs, residual),
        2 => inverse_2d::<4, DctInv4>(coeffs, residual),
        3 => inverse_2d::<8, DctInv8>(coeffs, residual),
        4 => inverse_2d::<16, DctInv16>(coeffs, residual),
        _ => inverse_2d::<32, DctInv32>(coeffs, residual),
    }
}

/// Whether every coefficient but the DC is zero (the inverse is then [`inverse_dc`]
/// everywhere): an OR over the block, which vectorises.
#[inline(always)]
pub(crate) fn only_dc(coeffs: &[i32]) -> bool {
    coeffs[1..].iter().fold(0, |acc, &c| acc | c) == 0
}

/// The residual value of a block whose only non-zero coefficient is the DC one.
pub fn inverse_dc(dc: i32) -> i16 {
    let g = ((64 * dc + 64) >> 7).clamp(COEFF_MIN, COEFF_MAX);
    clip_i16((64 * g + 2048) >> 12)
}

#[inline(always)]
fn check_size(log2_size: u32, dst: bool) -> usize {
    assert!(
        (2..=5).contains(&log2_size),
        "transform log2 size {log2_size} out of 2..=5"
    );
    assert!(!dst || log2_size == 2, "DST-VII is 4x4 only");
    1 << log2_size
}

#[inline(always)]
fn round_shift(x: i32, shift: u32) -> i32 {
    (x + (1 << (shift - 1))) >> shift
}

#[inline(always)]
fn clip_i16(x: i32) -> i16 {
    // Lossless after the clamp.
    x.clamp(COEFF_MIN, COEFF_MAX) as i16
}

/// One 1-D pass of a transform, as a type so that the 2-D loops inline it (a closure
/// would stay a separate function, compiled without the caller's target features); over
/// single samples or over [`Lanes`] of several lines at once.
trait Pass<const N: usize> {
    fn apply<V: Value>(s: &[V; N]) -> [V; N];
}

macro_rules! passes {
    ($($name:ident<$n:literal> = $f:ident;)*) => {$(
        struct $name;
        impl Pass<$n> for $name {
            #[inline(always)]
            fn apply<V: Value>(s: &[V; $n]) -> [V; $n] {
                $f(s)
            }
        }
    )*};
}

passes! {
    DstFwd4<4> = dst_fwd4;
    DctFwd4<4> = dct_fwd4;
    DctFwd8<8> = dct_fwd8;
    DctFwd16<16> = dct_fwd16;
    DctFwd32<32> = dct_fwd32;
    DstInv4<4> = dst_inv4;
    DctInv4<4> = dct_inv4;
    DctInv8<8> = dct_inv8;
    DctInv16<16> = dct_inv16;
    DctInv32<32> = dct_inv32;
}

/// What a pass computes with: one sample (`i32`) or one sample of each of
/// [`LANES`] lines ([`Lanes`]), so that a pass over eight lines at once is element-wise
/// arithmetic the compiler turns into vector instructions. Every sum is exact, so both
/// give the same numbers.
trait Value: Copy {
    const ZERO: Self;
    fn is_zero(self) -> bool;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    fn scale(self, c: i32) -> Self;
}

impl Value for i32 {
    const ZERO: Self = 0;
    #[inline(always)]
    fn is_zero(self) -> bool {
        self == 0
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self + other
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        self - other
    }
    #[inline(always)]
    fn scale(self, c: i32) -> Self {
        self * c
    }
}

/// Lines transformed side by side.
const LANES: usize = 8;
type Lanes = [i32; LANES];

impl Value for Lanes {
    const ZERO: Self = [0; LANES];
    #[inline(always)]
    fn is_zero(self) -> bool {
        self == [0; LANES]
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] + other[l])
    }
    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        std::array::from_fn(|l| self[l] - other[l])
    }
    #[inline(always)]
    fn scale(self, c: i32) -> Self {
        std::array::from_fn(|l| self[l] * c)
    }
}

/// Rows then columns, each 1-D pass by `K` (out[k] = sum_i M[k][i] * in[i]). The row pass
/// leaves horizontal frequency u of row y at coeffs[y * N + u].
#[inline(always)]
fn forward_2d<const N: usize, K: Pass<N>>(residual: &[i16], coeffs: &mut [i32], log2_size: u32) {
    let (residual, coeffs) = (&residual[..N * N], &mut coeffs[..N * N]);
    let shift1 = log2_size - 1;
    for (t_y, src) in coeffs.chunks_exact_mut(N).zip(residual.chunks_exact(N)) {
        let line: [i32; N] = std::array::from_fn(|i| i32::from(src[i]));
        for (o, v) in t_y.iter_mut().zip(K::apply(&line)) {
            *o = round_shift(v, shift1);
        }
    }
    forward_columns::<N, K>(coeffs, log2_size);
}

/// The column pass of [`forward_2d`] alone, for an 8x8, 16x16 or 32x32 DCT block whose
/// rows are already transformed (the x86 row pass ends with it).
#[inline(always)]
pub(crate) fn forward_dct_columns(coeffs: &mut [i32], log2_size: u32) {
    match log2_size {
        3 => forward_columns::<8, DctFwd8>(&mut coeffs[..64], 3),
        4 => forward_columns::<16, DctFwd16>(&mut coeffs[..256], 4),
        _ => forward_columns::<32, DctFwd32>(&mut coeffs[..1024], 5),
    }
}

/// The column pass: reads columns whole before it writes them, eight at a time as
/// [`Lanes`] where the block is that wide (element-wise butterflies, which vectorise
/// without horizontal sums; lanes across rows would need transposes that cost more than
/// they save).
#[inline(always)]
fn forward_columns<const N: usize, K: Pass<N>>(coeffs: &mut [i32], log2_size: u32) {
    let shift2 = log2_size + 6;
    if N >= LANES {
        for u0 in (0..N).step_by(LANES) {
            let lines: [Lanes; N] =
                std::array::from_fn(|y| std::array::from_fn(|l| coeffs[y * N + u0 + l]));
            for (row, o) in coeffs.chunks_exact_mut(N).zip(K::apply(&lines)) {
                for (c, v) in row[u0..u0 + LANES].iter_mut().zip(o) {
                    *c = round_shift(v, shift2);
                }
            }
        }
    } else {
        for u in 0..N {
            let column: [i32; N] = std::array::from_fn(|y| coeffs[y * N + u]);
            for (row, v) in coeffs.chunks_exact_mut(N).zip(K::apply(&column)) {
                row[u] = round_shift(v, shift2);
            }
        }
    }
}

/// Columns, 16-bit clip, rows, each 1-D pass by `f` (out[i] = sum_k M[k][i] * in[k]).
#[inline(always)]
fn inverse_2d<const N: usize, K: Pass<N>>(coeffs: &[i32], residual: &mut [i16]) {
    let f = K::apply::<i32>;
    let mut g = [[0i32; N]; N];
    for u in 0..N {
        let mut col = [0i32; N];
        for (c, row) in col.iter_mut().zip(coeffs.chunks_exact(N)) {
            *c = row[u];
        }
        // High-frequency columns are usually empty; their output stays zero.
        if col.iter().all(|&c| c == 0) {
            continue;
        }
        for (g_y, e) in g.iter_mut().zip(f(&col)) {
            g_y[u] = ((e + 64) >> 7).clamp(COEFF_MIN, COEFF_MAX);
        }
    }
    for (row, g_y) in residual.chunks_exact_mut(N).zip(&g) {
        for (r, x) in row.iter_mut().zip(f(g_y)) {
            // The spec does not clip here; |x| <= 32768 * 1862 (the largest column sum
            // of |transMatrix|) keeps the result within ±14896, so the clamp is a no-op.
            *r = clip_i16((x + 2048) >> 12);
        }
    }
}

/// out[k] = sum_i m[k][i] * v[i].
#[inline(always)]
fn mat_vec<const H: usize, V: Value>(m: &[[i32; H]; H], v: &[V; H]) -> [V; H] {
    let mut out = [V::ZERO; H];
    for (o, row) in out.iter_mut().zip(m) {
        *o = row
            .iter()
            .zip(v)
            .fold(V::ZERO, |acc, (&a, &b)| acc.add(b.scale(a)));
    }
    out
}

/// out[i] = sum_k m[k][i] * v[k]; zero inputs (most of them, after quantisation) are
/// skipped.
#[inline(always)]
fn mat_t_vec<const H: usize, V: Value>(m: &[[i32; H]; H], v: &[V; H]) -> [V; H] {
    let mut out = [V::ZERO; H];
    for (row, &c) in m.iter().zip(v) {
        if !c.is_zero() {
            for (o, &a) in out.iter_mut().zip(row) {
                *o = o.add(c.scale(a));
            }
        }
    }
    out
}

/// Mirror sums and differences: the inputs of the even and odd halves of a forward DCT.
#[inline(always)]
fn fold<const N: usize, const H: usize, V: Value>(s: &[V; N]) -> ([V; H], [V; H]) {
    let (mut e, mut o) = ([V::ZERO; H], [V::ZERO; H]);
    for i in 0..H {
        e[i] = s[i].add(s[N - 1 - i]);
        o[i] = s[i].sub(s[N - 1 - i]);
    }
    (e, o)
}

/// Even-indexed outputs from `even`, odd-indexed from `odd`.
#[inline(always)]
fn interleave<const N: usize, const H: usize, V: Value>(even: &[V; H], odd: &[V; H]) -> [V; N] {
    let mut out = [V::ZERO; N];
    for k in 0..H {
        out[2 * k] = even[k];
        out[2 * k + 1] = odd[k];
    }
    out
}

/// Even- and odd-indexed coefficients: the inputs of the halves of an inverse DCT.
#[inline(always)]
fn split<const N: usize, const H: usize, V: Value>(s: &[V; N]) -> ([V; H], [V; H]) {
    let (mut e, mut o) = ([V::ZERO; H], [V::ZERO; H]);
    for k in 0..H {
        e[k] = s[2 * k];
        o[k] = s[2 * k + 1];
    }
    (e, o)
}

/// Recombines the even half (symmetric) and the odd half (antisymmetric).
#[inline(always)]
fn unfold<const N: usize, const H: usize, V: Value>(e: &[V; H], o: &[V; H]) -> [V; N] {
    let mut out = [V::ZERO; N];
    for i in 0..H {
        out[i] = e[i].add(o[i]);
        out[N - 1 - i] = e[i].sub(o[i]);
    }
    out
}

#[inline(always)]
fn dct_fwd4<V: Value>(s: &[V; 4]) -> [V; 4] {
    let (e, o) = fold::<4, 2, V>(s);
    interleave(
        &[e[0].add(e[1]).scale(64), e[0].sub(e[1]).scale(64)],
        &mat_vec(&ODD4, &o),
    )
}

#[inline(always)]
fn dct_fwd8<V: Value>(s: &[V; 8]) -> [V; 8] {
    let (e, o) = fold::<8, 4, V>(s);
    interleave(&dct_fwd4(&e), &mat_vec(&ODD8, &o))
}

#[inline(always)]
fn dct_fwd16<V: Value>(s: &[V; 16]) -> [V; 16] {
    let (e, o) = fold::<16, 8, V>(s);
    interleave(&dct_fwd8(&e), &mat_vec(&ODD16, &o))
}

#[inline(always)]
fn dct_fwd32<V: Value>(s: &[V; 32]) -> [V; 32] {
    let (e, o) = fold::<32, 16, V>(s);
    interleave(&dct_fwd16(&e), &mat_vec(&ODD32, &o))
}

#[inline(always)]
fn dct_inv4<V: Value>(s: &[V; 4]) -> [V; 4] {
    let (e, o) = split::<4, 2, V>(s);
    unfold(
        &[e[0].add(e[1]).scale(64), e[0].sub(e[1]).scale(64)],
        &mat_t_vec(&ODD4, &o),
    )
}

#[inline(always)]
fn dct_inv8<V: Value>(s: &[V; 8]) -> [V; 8] {
    let (e, o) = split::<8, 4, V>(s);
    unfold(&dct_inv4(&e), &mat_t_vec(&ODD8, &o))
}

#[inline(always)]
fn dct_inv16<V: Value>(s: &[V; 16]) -> [V; 16] {
    let (e, o) = split::<16, 8, V>(s);
    unfold(&dct_inv8(&e), &mat_t_vec(&ODD16, &o))
}

#[inline(always)]
fn dct_inv32<V: Value>(s: &[V; 32]) -> [V; 32] {
    let (e, o) = split::<32, 16, V>(s);
    unfold(&dct_inv16(&e), &mat_t_vec(&ODD32, &o))
}

#[inline(always)]
fn dst_fwd4<V: Value>(s: &[V; 4]) -> [V; 4] {
    mat_vec(&DST, s)
}

#[inline(always)]
fn dst_inv4<V: Value>(s: &[V; 4]) -> [V; 4] {
    mat_t_vec(&DST, s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use softvpu_core::synth::SplitMix64;

    /// Column 0 of the spec's 32-point transMatrix (rows 0..=31).
    const FIRST_COLUMN: [i64; 32] = [
        64, 90, 90, 90, 89, 88, 87, 85, 83, 82, 80, 78, 75, 73, 70, 67, 64, 61, 57, 54, 50, 46, 43,
        38, 36, 31, 25, 22, 18, 13, 9, 4,
    ];

    /// Row 1 and row 3 of the spec's table, typed out in full.
    const ROW1: [i64; 32] = [
        90, 90, 88, 85, 82, 78, 73, 67, 61, 54, 46, 38, 31, 22, 13, 4, -4, -13, -22, -31, -38, -46,
        -54, -61, -67, -73, -78, -82, -85, -88, -90, -90,
    ];
    const ROW3: [i64; 32] = [
        90, 82, 67, 46, 22, -4, -31, -54, -73, -85, -90, -88, -78, -61, -38, -13, 13, 38, 61, 78,
        88, 90, 85, 73, 54, 31, 4, -22, -46, -67, -82, -90,
    ];

    const SPEC_DST: [[i64; 4]; 4] = [
        [29, 55, 74, 84],
        [74, 74, 0, -74],
        [84, -29, -74, 55],
        [55, -84, 74, -29],
    ];

    /// transMatrix[k][i] = C((2i + 1) k) where C(a) is the entry at angle a*pi/64; the
    /// spec's table is this cosine folding of its first column (C(j) = column 0 of row j).
    fn spec_entry32(k: usize, i: usize) -> i64 {
        if k == 0 {
            return 64;
        }
        let a = ((2 * i + 1) * k) % 128;
        match a {
            0..=32 => FIRST_COLUMN[a],
            33..=64 => -FIRST_COLUMN[64 - a],
            65..=96 => -FIRST_COLUMN[a - 64],
            _ => FIRST_COLUMN[128 - a],
        }
    }

    /// The n-point matrix (rows = basis functions), or the DST for `dst`.
    fn spec_matrix(n: usize, dst: bool) -> Vec<Vec<i64>> {
        if dst {
            return SPEC_DST.iter().map(|r| r.to_vec()).collect();
        }
        (0..n)
            .map(|k| (0..n).map(|i| spec_entry32(k * 32 / n, i)).collect())
            .collect()
    }

    /// 8.6.4.2 as written: columns, clip, rows; then 8.6.2's bdShift of 12.
    fn ref_inverse(c: &[i32], n: usize, dst: bool) -> Vec<i16> {
        let m = spec_matrix(n, dst);
        let mut g = vec![0i64; n * n];
        for x in 0..n {
            for y in 0..n {
                let e: i64 = (0..n).map(|j| m[j][y] * i64::from(c[j * n + x])).sum();
                g[y * n + x] = ((e + 64) >> 7).clamp(-32768, 32767);
            }
        }
        let mut r = vec![0i16; n * n];
        for y in 0..n {
            for x in 0..n {
                let s: i64 = (0..n).map(|j| m[j][x] * g[y * n + j]).sum();
                r[y * n + x] = i16::try_from((s + 2048) >> 12).unwrap();
            }
        }
        r
    }

    /// HM forward: rows with shift log2 - 1, then columns with shift log2 + 6.
    fn ref_forward(r: &[i16], n: usize, dst: bool) -> Vec<i32> {
        let m = spec_matrix(n, dst);
        let log2 = n.trailing_zeros() as i64;
        let (s1, s2) = (log2 - 1, log2 + 6);
        let mut t = vec![0i64; n * n];
        for y in 0..n {
            for u in 0..n {
                let s: i64 = (0..n).map(|i| m[u][i] * i64::from(r[y * n + i])).sum();
                t[y * n + u] = (s + (1 << (s1 - 1))) >> s1;
            }
        }
        let mut c = vec![0i32; n * n];
        for v in 0..n {
            for u in 0..n {
                let s: i64 = (0..n).map(|y| m[v][y] * t[y * n + u]).sum();
                c[v * n + u] = i32::try_from((s + (1 << (s2 - 1))) >> s2).unwrap();
            }
        }
        c
    }

    fn cases() -> Vec<(u32, bool)> {
        vec![(2, true), (2, false), (3, false), (4, false), (5, false)]
    }

    fn random_coeffs(rng: &mut SplitMix64, n: usize, kind: u64) -> Vec<i32> {
        let extreme = |rng: &mut SplitMix64| if rng.next() & 1 == 0 { -32768 } else { 32767 };
        (0..n * n)
            .map(|i| match kind {
                // Full range, dense.
                0 => rng.below(65536) as i32 - 32768,
                // Only the extremes: worst case for the intermediate clip.
                1 => extreme(rng),
                // Sparse, mostly low frequencies, moderate values.
                2 if rng.below(4) == 0 && i % n < n / 2 => rng.below(2001) as i32 - 1000,
                // Sparse extremes.
                3 if rng.below(8) == 0 => extreme(rng),
                _ => 0,
            })
            .collect()
    }

    #[test]
    fn fixture_matches_spec_rows() {
        for i in 0..32 {
            assert_eq!(spec_entry32(1, i), ROW1[i]);
            assert_eq!(spec_entry32(3, i), ROW3[i]);
            assert_eq!(spec_entry32(16, i), if (i + 1) % 4 < 2 { 64 } else { -64 });
        }
        // The implementation's table against the fixture, entry by entry.
        for (k, row) in DCT.iter().enumerate() {
            for (i, &m) in row.iter().enumerate() {
                assert_eq!(i64::from(m), spec_entry32(k, i), "({k}, {i})");
            }
        }
    }

    #[test]
    fn inverse_matches_spec_matrix_form() {
        let mut rng = SplitMix64(7);
        for (log2, dst) in cases() {
            let n = 1usize << log2;
            for iter in 0..400 {
                let c = random_coeffs(&mut rng, n, iter % 5);
                let mut r = vec![0i16; n * n];
                inverse(&c, &mut r, log2, dst);
                assert_eq!(r, ref_inverse(&c, n, dst), "n {n} dst {dst} iter {iter}");
            }
        }
    }

    #[test]
    fn inverse_single_coefficients_match() {
        // Every basis function at both extremes, including the DC fast path.
        for (log2, dst) in cases() {
            let n = 1usize << log2;
            for pos in 0..n * n {
                for v in [-32768, -1, 1, 7, 32767] {
                    let mut c = vec![0i32; n * n];
                    c[pos] = v;
                    let mut r = vec![0i16; n * n];
                    inverse(&c, &mut r, log2, dst);
                    assert_eq!(
                        r,
                        ref_inverse(&c, n, dst),
                        "n {n} dst {dst} pos {pos} v {v}"
                    );
                }
            }
        }
    }

    #[test]
    fn dc_fast_path_is_exact() {
        for dc in (-32768..=32767)
            .step_by(37)
            .chain([-32768, -1, 0, 1, 32767])
        {
            for log2 in 2..=5u32 {
                let n = 1usize << log2;
                let mut c = vec![0i32; n * n];
                c[0] = dc;
                let mut r = vec![0i16; n * n];
                inverse(&c, &mut r, log2, false);
                assert_eq!(r, ref_inverse(&c, n, false));
            }
        }
        assert_eq!(inverse_dc(1280), 10);
    }

    #[test]
    fn forward_matches_matrix_form() {
        let mut rng = SplitMix64(11);
        for (log2, dst) in cases() {
            let n = 1usize << log2;
            for iter in 0..300 {
                let amp = [255u64, 30, 4095][iter % 3];
                let r: Vec<i16> = (0..n * n)
                    .map(|_| (rng.below(2 * amp + 1) as i64 - amp as i64) as i16)
                    .collect();
                let mut c = vec![0i32; n * n];
                forward(&r, &mut c, log2, dst);
                assert_eq!(c, ref_forward(&r, n, dst), "n {n} dst {dst} iter {iter}");
            }
        }
    }

    #[test]
    fn dispatched_builds_equal_the_portable_code() {
        let mut rng = SplitMix64(17);
        for (log2, dst) in [(2, true), (2, false), (3, false), (4, false), (5, false)] {
            let n = 1usize << log2;
            for kind in 0..4 {
                let coeffs = random_coeffs(&mut rng, n, kind);
                let (mut a, mut b) = (vec![0i16; n * n], vec![0i16; n * n]);
                inverse(&coeffs, &mut a, log2, dst);
                inverse_portable(&coeffs, &mut b, log2, dst);
                assert_eq!(a, b, "inverse {n}x{n} dst {dst} kind {kind}");
                // 8-bit residuals (random, flat, alternating extremes), then the whole
                // range the transform takes (up to ±4095) and single samples.
                for pass in 0..20 {
                    let big = pass % 2 == 1;
                    let residual: Vec<i16> = (0..n * n)
                        .map(|i| match kind {
                            0 if big => rng.below(8191) as i16 - 4095,
                            0 => rng.below(511) as i16 - 255,
                            1 => [255, 4095][usize::from(big)],
                            2 => [-255, -4095][usize::from(big)],
                            _ if pass >= 18 => i16::from(i == pass % (n * n)) * 4095,
                            _ => [-255, 255][usize::from(i % 3 == 0)],
                        })
                        .collect();
                    let (mut a, mut b) = (vec![0i32; n * n], vec![0i32; n * n]);
                    forward(&residual, &mut a, log2, dst);
                    forward_portable(&residual, &mut b, log2, dst);
                    assert_eq!(a, b, "forward {n}x{n} dst {dst} kind {kind} pass {pass}");
                }
            }
        }
    }

    #[test]
    fn forward_flat_block_known_value() {
        // Flat 10 in 8x8: DC = 10 * 128, no AC.
        let r = [10i16; 64];
        let mut c = [0i32; 64];
        forward(&r, &mut c, 3, false);
        assert_eq!(c[0], 1280);
        assert!(c[1..].iter().all(|&v| v == 0));
    }

    /// Max and mean absolute round-trip error over 300 blocks from `gen`.
    fn round_trip(log2: u32, dst: bool, mut gen: impl FnMut(usize, usize) -> i16) -> (i16, f64) {
        let n = 1usize << log2;
        let (mut worst, mut total) = (0i16, 0u64);
        for _ in 0..300 {
            let r: Vec<i16> = (0..n * n).map(|i| gen(i % n, i / n)).collect();
            let mut c = vec![0i32; n * n];
            forward(&r, &mut c, log2, dst);
            let mut back = vec![0i16; n * n];
            inverse(&c, &mut back, log2, dst);
            for (a, b) in r.iter().zip(&back) {
                worst = worst.max((a - b).abs());
                total += (a - b).unsigned_abs() as u64;
            }
        }
        (worst, total as f64 / (300 * n * n) as f64)
    }

    #[test]
    fn forward_then_inverse_reconstructs() {
        let mut rng = SplitMix64(3);
        // (max, mean) error on full-amplitude white noise, per case. The integer
        // matrices are only nearly orthogonal (up to 0.3% cross terms): exact real
        // arithmetic on them already gives max 4 / mean 0.8 on 32x32 noise.
        let noise_bounds = [(1, 0.35), (0, 0.01), (1, 0.25), (4, 0.75), (5, 0.85)];
        for ((log2, dst), (bound, mean_bound)) in cases().into_iter().zip(noise_bounds) {
            let n = 1 << log2;
            let (worst, mean) = round_trip(log2, dst, |_, _| rng.below(511) as i16 - 255);
            assert!(worst <= bound, "noise n {n} dst {dst}: max error {worst}");
            assert!(
                mean < mean_bound,
                "noise n {n} dst {dst}: mean error {mean}"
            );
            // Smooth content (ramp plus small noise) reconstructs within 1.
            let (gx, gy) = (rng.below(9) as i16 - 4, rng.below(9) as i16 - 4);
            let (worst, _) = round_trip(log2, dst, |x, y| {
                gx * x as i16 + gy * y as i16 + rng.below(5) as i16 - 2
            });
            assert!(worst <= 1, "smooth n {n} dst {dst}: max error {worst}");
        }
    }
}
