//! Copies of 2-D blocks row by row. A row of a width known at compile time is copied by
//! a few vector moves; a row of a width known only at run time is a library call, which
//! costs more than the copy itself for the 4- to 32-sample rows of coding blocks.

/// Copies `h` rows of `w` elements from `src` (rows `src_stride` apart) to `dst` (rows
/// `dst_stride` apart).
#[inline(always)]
pub fn copy_rows<T: Copy>(
    dst: &mut [T],
    dst_stride: usize,
    src: &[T],
    src_stride: usize,
    w: usize,
    h: usize,
) {
    match w {
        4 => fixed::<T, 4>(dst, dst_stride, src, src_stride, h),
        8 => fixed::<T, 8>(dst, dst_stride, src, src_stride, h),
        16 => fixed::<T, 16>(dst, dst_stride, src, src_stride, h),
        32 => fixed::<T, 32>(dst, dst_stride, src, src_stride, h),
        64 => fixed::<T, 64>(dst, dst_stride, src, src_stride, h),
        _ => {
            for r in 0..h {
                dst[r * dst_stride..][..w].copy_from_slice(&src[r * src_stride..][..w]);
            }
        }
    }
}

#[inline(always)]
fn fixed<T: Copy, const W: usize>(
    dst: &mut [T],
    dst_stride: usize,
    src: &[T],
    src_stride: usize,
    h: usize,
) {
    for r in 0..h {
        dst[r * dst_stride..][..W].copy_from_slice(&src[r * src_stride..][..W]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_every_width_and_no_more() {
        for w in [1, 3, 4, 8, 12, 16, 32, 64] {
            for h in [1, 2, 5, 8] {
                let (src_stride, dst_stride) = (w + 7, w + 3);
                let src: Vec<u16> = (0..src_stride * h).map(|i| i as u16).collect();
                let mut dst = vec![u16::MAX; dst_stride * h];
                copy_rows(&mut dst, dst_stride, &src, src_stride, w, h);
                for r in 0..h {
                    for c in 0..dst_stride {
                        let want = if c < w {
                            src[r * src_stride + c]
                        } else {
                            u16::MAX
                        };
                        assert_eq!(dst[r * dst_stride + c], want, "w {w} h {h} at {r},{c}");
                    }
                }
            }
        }
    }
}
