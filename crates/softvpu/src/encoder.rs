//! One encoder channel: validates frames, runs the codec, queues packets.

use std::collections::VecDeque;

use softvpu_core::Frame;
use softvpu_hevc::{CodedPicture, HevcEncoder, HevcSettings};
use softvpu_mjpeg::{JpegImage, MjpegEncoder};

use crate::metrics::Psnr;
use crate::packet::Recon;
use crate::rate::{HevcRate, MjpegRate, Mode, RateSettings};
use crate::{Codec, Config, Error, Packet, Quantizer, RateMode, RateReport};

/// One channel: a codec, a size, a rate-control state. Frames are encoded as they
/// are sent (no lookahead), so each packet is ready as soon as `send_frame` returns.
#[derive(Debug)]
pub struct Encoder {
    config: Config,
    backend: Backend,
    pending: VecDeque<Packet>,
    frames_sent: u64,
    flushed: bool,
}

#[derive(Debug)]
enum Backend {
    Mjpeg {
        encoder: Box<MjpegEncoder>,
        rate: Option<Box<MjpegRate>>,
    },
    Hevc {
        encoder: Box<HevcEncoder>,
        rate: Option<Box<HevcRate>>,
    },
}

/// The rate-control settings of `config`, or `None` for a constant quantiser.
fn rate_settings(config: &Config) -> Option<RateSettings> {
    let (mode, kbps) = match config.rate_mode() {
        RateMode::ConstantQuantizer(_) => return None,
        RateMode::Cbr { kbps } => (Mode::Cbr, kbps),
        RateMode::Capped { quantizer, kbps } => (Mode::Capped { quantizer }, kbps),
    };
    Some(RateSettings {
        kbps,
        fps: config.fps.as_f64(),
        buffer_ms: config.buffer_ms,
        mode,
        range: match config.codec {
            Codec::H265 => config.qp_range,
            Codec::Mjpeg => config.quality_range,
        },
        intra_period: config.intra_period,
        width: config.width,
        height: config.height,
        aq_strength: f64::from(config.aq_strength),
    })
}

impl Encoder {
    /// Validates `config` and opens the channel.
    pub fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let rate = rate_settings(&config);
        let backend = match config.codec {
            Codec::Mjpeg => Backend::Mjpeg {
                encoder: Box::new({
                    let mut e =
                        MjpegEncoder::new(config.width, config.height, config.effective_threads());
                    e.measure_error(config.psnr);
                    e
                }),
                rate: rate.map(|r| Box::new(MjpegRate::new(r))),
            },
            Codec::H265 => Backend::Hevc {
                encoder: Box::new(HevcEncoder::new(HevcSettings {
                    width: config.width as usize,
                    height: config.height as usize,
                    fps: (config.fps.num, config.fps.den),
                    bitrate_kbps: rate.map_or(0, |r| r.kbps),
                    picture_hash: config.picture_hash,
                    measure_error: config.psnr,
                    intra_period: config.intra_period,
                    threads: config.effective_threads(),
                    preset: config.preset,
                })),
                rate: rate.map(|r| Box::new(HevcRate::new(r))),
            },
        };
        Ok(Self {
            config,
            backend,
            pending: VecDeque::new(),
            frames_sent: 0,
            flushed: false,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Encodes one frame; its packet is then available from [`Self::receive_packet`].
    pub fn send_frame(&mut self, frame: &Frame<'_>) -> Result<(), Error> {
        if self.flushed {
            return Err(Error::Flushed);
        }
        let expected = (self.config.width, self.config.height);
        let actual = (frame.width(), frame.height());
        if actual != expected {
            return Err(Error::FrameSizeMismatch { expected, actual });
        }
        let mut packet = match &mut self.backend {
            Backend::Mjpeg { encoder, rate } => {
                let fixed = self.config.quality.unwrap_or(75);
                let (image, quality, report) =
                    encode_jpeg(encoder, rate.as_deref_mut(), frame, fixed, &self.config)?;
                Packet {
                    data: image.data,
                    frame_number: 0,
                    keyframe: true,
                    quantizer: Quantizer::JpegQuality(quality),
                    recon: image.recon.map(Recon::Ready),
                    psnr: image
                        .sse
                        .map(|e| Psnr::from_sse(e, frame.width(), frame.height())),
                    hevc_stats: None,
                    qp_spread: None,
                    rate: report,
                }
            }
            Backend::Hevc { encoder, rate } => {
                let (coded, report) = match rate.as_deref_mut() {
                    Some(rc) => {
                        let idr = encoder.next_is_idr();
                        let (coded, plan) = encoder.encode_with(frame, || {
                            let plan = rc.plan(frame, idr);
                            (plan.slice_qp(), plan)
                        });
                        let report = rc.update(&plan, coded.data.len() * 8, coded.qp_mean);
                        (coded, Some(report))
                    }
                    None => {
                        let qp = self.config.qp.unwrap_or(32);
                        (encoder.encode(frame, i32::from(qp)), None)
                    }
                };
                hevc_packet(coded, report, &self.config)
            }
        };
        packet.frame_number = self.frames_sent;
        self.frames_sent += 1;
        self.pending.push_back(packet);
        Ok(())
    }

    /// The next coded frame, or `None` when every sent frame has been received.
    pub fn receive_packet(&mut self) -> Result<Option<Packet>, Error> {
        Ok(self.pending.pop_front())
    }

    /// Ends the stream: no more frames are accepted; packets still pending remain
    /// available from [`Self::receive_packet`].
    pub fn flush(&mut self) -> Result<(), Error> {
        self.flushed = true;
        Ok(())
    }

    /// Frames accepted so far.
    pub fn frames_sent(&self) -> u64 {
        self.frames_sent
    }
}

/// At most this many codings of one JPEG frame (the first and two at lower qualities).
const JPEG_TRIES: usize = 3;

/// Codes a JPEG at the fixed quality or the one rate control picks, coding it again at a
/// lower quality when it would overflow the rate buffer.
fn encode_jpeg(
    encoder: &mut MjpegEncoder,
    mut rate: Option<&mut MjpegRate>,
    frame: &Frame<'_>,
    fixed: u8,
    config: &Config,
) -> Result<(JpegImage, u8, Option<RateReport>), Error> {
    let mut quality = rate.as_deref_mut().map_or(fixed, |rc| rc.plan(frame));
    for attempt in 1..=JPEG_TRIES {
        let image = encoder
            .encode(frame, quality, config.reconstruction)
            .map_err(|m| Error::FrameSizeMismatch {
                expected: m.expected,
                actual: m.actual,
            })?;
        let bits = image.data.len() * 8;
        let Some(rc) = rate.as_deref_mut() else {
            return Ok((image, quality, None));
        };
        match rc.retry(quality, bits) {
            Some(lower) if attempt < JPEG_TRIES => quality = lower,
            _ => return Ok((image, quality, Some(rc.commit(bits)))),
        }
    }
    unreachable!("the last try always returns")
}

fn hevc_packet(coded: CodedPicture, rate: Option<RateReport>, config: &Config) -> Packet {
    let recon = config
        .reconstruction
        .then(|| Recon::coded(coded.recon, config.width, config.height));
    let qp = |v: i32| v.clamp(0, 51) as u8;
    Packet {
        data: coded.data,
        frame_number: 0,
        keyframe: coded.keyframe,
        quantizer: Quantizer::Qp(qp(coded.qp)),
        recon,
        psnr: coded
            .sse
            .map(|e| Psnr::from_sse(e, config.width, config.height)),
        hevc_stats: Some(Box::new(coded.stats)),
        qp_spread: Some((qp(coded.qp_min), coded.qp_mean, qp(coded.qp_max))),
        rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use softvpu_core::synth::Pattern;

    fn assert_send<T: Send>() {}

    #[test]
    fn encoder_is_send() {
        assert_send::<Encoder>();
    }

    #[test]
    fn one_packet_per_frame_in_order() {
        let mut enc = Encoder::new(Config::mjpeg(64, 48).quality(80)).unwrap();
        assert!(enc.receive_packet().unwrap().is_none());
        for i in 0..3 {
            let buf = Pattern::Moving.render(64, 48, i);
            enc.send_frame(&Frame::from_nv12(&buf, 64, 48).unwrap())
                .unwrap();
        }
        for i in 0..3 {
            let p = enc.receive_packet().unwrap().unwrap();
            assert_eq!(p.frame_number(), i);
            assert!(p.is_keyframe());
            assert_eq!(p.quantizer(), Quantizer::JpegQuality(80));
            assert_eq!(&p.data()[..2], &[0xFF, 0xD8]);
            assert_eq!(&p.data()[p.data().len() - 2..], &[0xFF, 0xD9]);
        }
        assert!(enc.receive_packet().unwrap().is_none());
    }

    /// The PSNR measured while coding is the PSNR of the reconstruction, for both codecs,
    /// any thread count and picture type (bitrate mode: QPs vary by CTU).
    #[test]
    fn measured_psnr_is_the_psnr_of_the_reconstruction() {
        let (w, h) = (200u32, 138u32);
        for config in [
            Config::h265(w, h).bitrate_kbps(600),
            Config::mjpeg(w, h).quality(60),
        ] {
            for threads in [1, 3] {
                let config = config
                    .clone()
                    .threads(threads)
                    .reconstruction(true)
                    .psnr(true);
                let mut enc = Encoder::new(config).unwrap();
                for i in 0..4 {
                    let buf = Pattern::Moving.render(w, h, 2 * i);
                    let frame = Frame::from_nv12(&buf, w, h).unwrap();
                    enc.send_frame(&frame).unwrap();
                    let p = enc.receive_packet().unwrap().unwrap();
                    let recon = p.reconstruction().unwrap();
                    assert_eq!(p.psnr(), Some(crate::metrics::psnr_frame(&frame, recon)));
                }
            }
        }
        // Without the reconstruction asked for, the same PSNR (MJPEG measures on a picture
        // it keeps from frame to frame: each frame must write all of it).
        for config in [Config::h265(w, h).qp(30), Config::mjpeg(w, h).quality(60)] {
            let mut with = Encoder::new(config.clone().reconstruction(true).psnr(true)).unwrap();
            let mut without = Encoder::new(config.psnr(true)).unwrap();
            for pattern in [Pattern::Noise { seed: 1 }, Pattern::Moving, Pattern::Edges] {
                let buf = pattern.render(w, h, 1);
                let frame = Frame::from_nv12(&buf, w, h).unwrap();
                with.send_frame(&frame).unwrap();
                without.send_frame(&frame).unwrap();
                let (a, b) = (
                    with.receive_packet().unwrap(),
                    without.receive_packet().unwrap(),
                );
                let (a, b) = (a.unwrap(), b.unwrap());
                assert!(b.reconstruction().is_none());
                assert_eq!(a.psnr(), b.psnr(), "{pattern:?}");
            }
        }
        let mut enc = Encoder::new(Config::h265(w, h).qp(30)).unwrap();
        let buf = Pattern::Moving.render(w, h, 0);
        enc.send_frame(&Frame::from_nv12(&buf, w, h).unwrap())
            .unwrap();
        assert_eq!(
            enc.receive_packet().unwrap().unwrap().psnr(),
            None,
            "not asked for"
        );
    }

    #[test]
    fn wrong_size_and_flushed_are_errors() {
        let mut enc = Encoder::new(Config::mjpeg(64, 48)).unwrap();
        let buf = vec![0u8; 32 * 32 * 3 / 2];
        let err = enc
            .send_frame(&Frame::from_nv12(&buf, 32, 32).unwrap())
            .unwrap_err();
        assert_eq!(
            err,
            Error::FrameSizeMismatch {
                expected: (64, 48),
                actual: (32, 32)
            }
        );
        enc.flush().unwrap();
        let buf = vec![0u8; 64 * 48 * 3 / 2];
        let frame = Frame::from_nv12(&buf, 64, 48).unwrap();
        assert_eq!(enc.send_frame(&frame), Err(Error::Flushed));
    }

    #[test]
    fn h265_packets_are_annex_b_access_units() {
        let mut enc = Encoder::new(Config::h265(66, 34).qp(30).reconstruction(true)).unwrap();
        let buf = Pattern::Edges.render(66, 34, 0);
        enc.send_frame(&Frame::from_nv12(&buf, 66, 34).unwrap())
            .unwrap();
        let p = enc.receive_packet().unwrap().unwrap();
        assert!(p.is_keyframe());
        assert_eq!(p.quantizer(), Quantizer::Qp(30));
        // VPS NAL unit first.
        assert_eq!(&p.data()[..5], &[0, 0, 0, 1, 0x40]);
        let rec = p.reconstruction().unwrap();
        assert_eq!((rec.width, rec.height), (66, 34));
    }

    #[test]
    fn output_does_not_depend_on_threads() {
        let buf = Pattern::Edges.render(200, 120, 0);
        let frame = Frame::from_nv12(&buf, 200, 120).unwrap();
        let encode = |threads| {
            let mut enc =
                Encoder::new(Config::mjpeg(200, 120).quality(90).threads(threads)).unwrap();
            enc.send_frame(&frame).unwrap();
            enc.receive_packet().unwrap().unwrap().into_data()
        };
        let one = encode(1);
        for t in [2, 3, 8] {
            assert_eq!(one, encode(t), "{t} threads");
        }
    }
}
