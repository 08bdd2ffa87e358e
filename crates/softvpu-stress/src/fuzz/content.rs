//! Picture content chosen by the fuzzer: a synthetic pattern with squares painted on it.

use softvpu::synth::Pattern;

use super::input::Input;

/// A packed NV12 frame of `width`x`height` (both even) drawn from the input.
pub fn frame(input: &mut Input<'_>, width: u32, height: u32, index: u32) -> Vec<u8> {
    let pattern = match input.u8() % 5 {
        0 => Pattern::Flat {
            y: input.u8(),
            u: input.u8(),
            v: input.u8(),
        },
        1 => Pattern::Gradient,
        2 => Pattern::Noise {
            seed: u64::from(input.u32()),
        },
        3 => Pattern::Edges,
        _ => Pattern::Moving,
    };
    let mut nv12 = pattern.render(width, height, index);
    for _ in 0..input.u8() % 8 {
        let square = Square {
            x: input.range(0, width - 1) as usize,
            y: input.range(0, height - 1) as usize,
            size: 1 + usize::from(input.u8() % 64),
            luma: input.u8(),
            chroma: [input.u8(), input.u8()],
        };
        square.paint(&mut nv12, width as usize, height as usize);
    }
    nv12
}

/// A solid square, clipped to the picture; extreme values (0, 255) and hard edges are
/// what stress prediction, transforms and clipping.
struct Square {
    x: usize,
    y: usize,
    size: usize,
    luma: u8,
    chroma: [u8; 2],
}

impl Square {
    fn paint(&self, nv12: &mut [u8], w: usize, h: usize) {
        let (luma, chroma) = nv12.split_at_mut(w * h);
        let (x1, y1) = ((self.x + self.size).min(w), (self.y + self.size).min(h));
        for row in luma.chunks_exact_mut(w).take(y1).skip(self.y) {
            row[self.x..x1].fill(self.luma);
        }
        let (cx0, cx1) = (self.x / 2, x1.div_ceil(2));
        for row in chroma
            .chunks_exact_mut(w)
            .take(y1.div_ceil(2))
            .skip(self.y / 2)
        {
            for pair in row[2 * cx0..2 * cx1].chunks_exact_mut(2) {
                pair.copy_from_slice(&self.chroma);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_nv12_size_for_any_input() {
        for seed in 0..64u8 {
            let data: Vec<u8> = (0..200)
                .map(|i| seed.wrapping_mul(31).wrapping_add(i))
                .collect();
            let mut input = Input::new(&data);
            let (w, h) = (2 + 2 * u32::from(seed % 40), 2 + 2 * u32::from(seed / 2));
            assert_eq!(frame(&mut input, w, h, 0).len(), (w * h * 3 / 2) as usize);
        }
    }

    #[test]
    fn squares_clip_at_the_picture_edge() {
        let (w, h) = (8, 6);
        let mut nv12 = vec![0u8; w * h * 3 / 2];
        let square = Square {
            x: 6,
            y: 4,
            size: 64,
            luma: 9,
            chroma: [1, 2],
        };
        square.paint(&mut nv12, w, h);
        assert_eq!(nv12[4 * w + 5], 0);
        assert_eq!(nv12[4 * w + 6], 9);
        assert_eq!(nv12[5 * w + 7], 9);
        assert_eq!(&nv12[w * h + 2 * w + 6..w * h + 2 * w + 8], &[1, 2]);
        assert_eq!(nv12[w * h + 2 * w + 5], 0);
    }
}
