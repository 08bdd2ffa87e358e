//! Frame sources: raw NV12 (file or stdin) and YUV4MPEG2 (4:2:0, converted to NV12).

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use softvpu::{Frame, Rational};

/// Why reading input stopped early.
#[derive(Debug)]
pub enum InputError {
    Io(io::Error),
    /// The input ended inside a frame.
    Truncated {
        frame: u64,
        got: usize,
        expected: usize,
    },
    /// The Y4M stream header or a frame header is malformed or unsupported.
    Y4m(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "read error: {e}"),
            Self::Truncated {
                frame,
                got,
                expected,
            } => write!(
                f,
                "input ends inside frame {frame}: got {got} of {expected} bytes; the input is \
                 truncated or --size does not match it"
            ),
            Self::Y4m(msg) => write!(f, "Y4M input: {msg}"),
        }
    }
}

impl From<io::Error> for InputError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// A sequence of NV12 frames of one size.
pub trait FrameSource {
    fn size(&self) -> (u32, u32);
    /// The rate the input declares, if it declares one.
    fn frame_rate(&self) -> Option<Rational>;
    /// Reads the next frame into `nv12` (resized to fit); `Ok(false)` at a clean end.
    fn read_frame(&mut self, nv12: &mut Vec<u8>) -> Result<bool, InputError>;
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads exactly one frame payload; a clean end before its first byte is `Ok(false)`.
fn read_payload(reader: &mut impl Read, buf: &mut [u8], frame: u64) -> Result<bool, InputError> {
    match read_full(reader, buf)? {
        0 => Ok(false),
        n if n == buf.len() => Ok(true),
        got => Err(InputError::Truncated {
            frame,
            got,
            expected: buf.len(),
        }),
    }
}

/// Packed NV12 frames back to back, as the boards' camera pipeline writes them.
pub struct RawNv12<R> {
    reader: R,
    width: u32,
    height: u32,
    frames: u64,
}

impl<R: Read> RawNv12<R> {
    pub fn new(reader: R, width: u32, height: u32) -> Self {
        Self {
            reader,
            width,
            height,
            frames: 0,
        }
    }
}

impl<R: Read> FrameSource for RawNv12<R> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn frame_rate(&self) -> Option<Rational> {
        None
    }

    fn read_frame(&mut self, nv12: &mut Vec<u8>) -> Result<bool, InputError> {
        nv12.resize(Frame::nv12_len(self.width, self.height), 0);
        let more = read_payload(&mut self.reader, nv12, self.frames)?;
        self.frames += u64::from(more);
        Ok(more)
    }
}

/// A YUV4MPEG2 stream with 8-bit 4:2:0 progressive frames.
pub struct Y4m<R> {
    reader: BufReader<R>,
    width: u32,
    height: u32,
    rate: Option<Rational>,
    planar: Vec<u8>,
    frames: u64,
}

/// Longest header line accepted; real headers are well under 100 bytes.
const MAX_HEADER: u64 = 4096;

impl<R: Read> Y4m<R> {
    /// Parses the stream header.
    pub fn new(reader: R) -> Result<Self, InputError> {
        let mut reader = BufReader::new(reader);
        let line = read_line(&mut reader)?
            .ok_or_else(|| InputError::Y4m("empty input; expected a YUV4MPEG2 header".into()))?;
        let mut fields = line.split(' ');
        if fields.next() != Some("YUV4MPEG2") {
            return Err(InputError::Y4m("missing the YUV4MPEG2 signature".into()));
        }
        let (mut width, mut height, mut rate) = (None, None, None);
        for field in fields.filter(|f| !f.is_empty()) {
            // The tag is one character, which need not be one byte in a broken header.
            let mut chars = field.chars();
            let tag = chars.next().map_or("", |c| &field[..c.len_utf8()]);
            let value = chars.as_str();
            match tag {
                "W" => width = Some(parse_num(value, "width")?),
                "H" => height = Some(parse_num(value, "height")?),
                "F" => rate = Some(parse_rate(value)?),
                "I" if !matches!(value, "p" | "?") => {
                    return Err(InputError::Y4m(format!(
                        "interlaced input (I{value}) is not supported; deinterlace it first"
                    )))
                }
                "C" if !matches!(value, "420" | "420jpeg" | "420paldv" | "420mpeg2") => {
                    return Err(InputError::Y4m(format!(
                        "colour space C{value} is not supported; convert to 8-bit 4:2:0 \
                         (e.g. ffmpeg -pix_fmt yuv420p)"
                    )))
                }
                _ => {}
            }
        }
        let (Some(width), Some(height)) = (width, height) else {
            return Err(InputError::Y4m(
                "header lacks W (width) or H (height)".into(),
            ));
        };
        Ok(Self {
            reader,
            width,
            height,
            rate,
            planar: Vec::new(),
            frames: 0,
        })
    }
}

impl<R: Read> FrameSource for Y4m<R> {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn frame_rate(&self) -> Option<Rational> {
        self.rate
    }

    fn read_frame(&mut self, nv12: &mut Vec<u8>) -> Result<bool, InputError> {
        let Some(line) = read_line(&mut self.reader)? else {
            return Ok(false);
        };
        if line != "FRAME" && !line.starts_with("FRAME ") {
            return Err(InputError::Y4m(format!(
                "frame {} header is {line:?}, not FRAME",
                self.frames
            )));
        }
        let len = Frame::nv12_len(self.width, self.height);
        self.planar.resize(len, 0);
        if !read_payload(&mut self.reader, &mut self.planar, self.frames)? {
            return Err(InputError::Truncated {
                frame: self.frames,
                got: 0,
                expected: len,
            });
        }
        i420_to_nv12(
            &self.planar,
            nv12,
            self.width as usize,
            self.height as usize,
        );
        self.frames += 1;
        Ok(true)
    }
}

/// Reads one '\n'-terminated header line; `None` at a clean end of input.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, InputError> {
    let mut line = Vec::new();
    reader.take(MAX_HEADER).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(InputError::Y4m(
            "header line is unterminated or too long".into(),
        ));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| InputError::Y4m("header is not text".into()))
}

fn parse_num(value: &str, what: &str) -> Result<u32, InputError> {
    value
        .parse()
        .map_err(|_| InputError::Y4m(format!("bad {what} {value:?}")))
}

fn parse_rate(value: &str) -> Result<Rational, InputError> {
    let bad = || InputError::Y4m(format!("bad frame rate F{value}"));
    let (num, den) = value.split_once(':').ok_or_else(bad)?;
    let (num, den) = (
        num.parse().map_err(|_| bad())?,
        den.parse().map_err(|_| bad())?,
    );
    if num == 0 || den == 0 {
        return Err(bad());
    }
    Ok(Rational { num, den })
}

/// Interleaves the U and V planes of an I420 picture into NV12.
fn i420_to_nv12(planar: &[u8], nv12: &mut Vec<u8>, w: usize, h: usize) {
    let luma = w * h;
    let (y, chroma) = planar.split_at(luma);
    let (u, v) = chroma.split_at(luma / 4);
    nv12.clear();
    nv12.extend_from_slice(y);
    nv12.extend(u.iter().zip(v).flat_map(|(&u, &v)| [u, v]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y4m(header: &str, payload: &[u8]) -> Vec<u8> {
        let mut v = header.as_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn y4m_frames_become_nv12() {
        let planar = [1, 2, 3, 4, 5, 6]; // 2x2: Y 1..4, U 5, V 6
        let data = y4m("YUV4MPEG2 W2 H2 F25:1 Ip A1:1 C420jpeg\nFRAME\n", &planar);
        let mut src = Y4m::new(&data[..]).unwrap();
        assert_eq!(src.size(), (2, 2));
        assert_eq!(src.frame_rate(), Some(Rational { num: 25, den: 1 }));
        let mut buf = Vec::new();
        assert!(src.read_frame(&mut buf).unwrap());
        assert_eq!(buf, vec![1, 2, 3, 4, 5, 6]);
        assert!(!src.read_frame(&mut buf).unwrap());
    }

    #[test]
    fn y4m_rejects_what_it_cannot_encode() {
        for (header, needle) in [
            ("YUV4MPEG2 W2 H2 It\n", "interlaced"),
            ("YUV4MPEG2 W2 H2 C444\n", "C444"),
            ("YUV4MPEG2 W2 H2 C420p10\n", "C420p10"),
            ("YUV4MPEG2 H2\n", "lacks W"),
            ("P5 2 2\n", "signature"),
            ("YUV4MPEG2 W2 H2 F30:0\n", "frame rate"),
        ] {
            let err = Y4m::new(header.as_bytes()).err().unwrap();
            assert!(err.to_string().contains(needle), "{header}: {err}");
        }
    }

    #[test]
    fn truncated_frames_are_reported() {
        let data = y4m("YUV4MPEG2 W2 H2\nFRAME\n", &[1, 2, 3]);
        let mut src = Y4m::new(&data[..]).unwrap();
        let err = src.read_frame(&mut Vec::new()).unwrap_err();
        assert!(matches!(
            err,
            InputError::Truncated {
                frame: 0,
                got: 3,
                expected: 6
            }
        ));

        let mut raw = RawNv12::new(&[0u8; 8][..], 2, 2);
        let mut buf = Vec::new();
        assert!(raw.read_frame(&mut buf).unwrap());
        assert!(matches!(
            raw.read_frame(&mut buf),
            Err(InputError::Truncated {
                frame: 1,
                got: 2,
                ..
            })
        ));
    }

    #[test]
    fn multibyte_tags_are_errors_not_panics() {
        assert!(Y4m::new("YUV4MPEG2 W2 H2 \u{e9}x\n".as_bytes()).is_ok());
        let err = Y4m::new("YUV4MPEG2 W\u{e9} H2\n".as_bytes()).err().unwrap();
        assert!(err.to_string().contains("width"), "{err}");
    }

    /// Byte flips, cuts and insertions in a valid stream: every result is a value
    /// (frames or an error), never a panic.
    #[test]
    fn mutated_y4m_streams_never_panic() {
        let good = y4m("YUV4MPEG2 W4 H2 F30:1 Ip C420jpeg\nFRAME\n", &[7; 12]);
        let mut rng = softvpu::synth::SplitMix64(7);
        for _ in 0..5000 {
            let mut data = good.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(data.len() as u64 + 1) as usize;
                match rng.below(3) {
                    0 if at < data.len() => data[at] = rng.next() as u8,
                    1 => data.truncate(at),
                    _ => data.insert(at.min(data.len()), rng.next() as u8),
                }
            }
            let Ok(mut src) = Y4m::new(&data[..]) else {
                continue;
            };
            let (w, h) = src.size();
            // The CLI checks the size before reading frames; so does this test.
            if softvpu::validate_dimensions(w, h).is_err() || w * h > 64 * 64 {
                continue;
            }
            let mut buf = Vec::new();
            for _ in 0..3 {
                if !matches!(src.read_frame(&mut buf), Ok(true)) {
                    break;
                }
            }
        }
    }
}
