//! One encoder channel: validates frames, runs the codec, queues packets.

use std::collections::VecDeque;

use softvpu_core::{Frame, Picture};
use softvpu_hevc::{HevcEncoder, HevcSettings};
use softvpu_mjpeg::{MjpegEncoder, QualityController};

use crate::qp_rate::QpController;

use crate::{Codec, Config, Error, Packet, Quantizer};

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
        rate: Option<QualityController>,
    },
    Hevc {
        encoder: Box<HevcEncoder>,
        rate: Option<QpController>,
    },
}

impl Encoder {
    /// Validates `config` and opens the channel.
    pub fn new(config: Config) -> Result<Self, Error> {
        config.validate()?;
        let backend = match config.codec {
            Codec::Mjpeg => Backend::Mjpeg {
                encoder: Box::new(MjpegEncoder::new(
                    config.width,
                    config.height,
                    config.effective_threads(),
                )),
                rate: config.quality.is_none().then(|| {
                    let bits_per_frame =
                        f64::from(config.bitrate_kbps) * 1000.0 / config.fps.as_f64();
                    QualityController::new(bits_per_frame, (config.width * config.height) as usize)
                }),
            },
            Codec::H265 => Backend::Hevc {
                encoder: Box::new(HevcEncoder::new(HevcSettings {
                    width: config.width as usize,
                    height: config.height as usize,
                    fps: (config.fps.num, config.fps.den),
                    bitrate_kbps: if config.qp.is_some() {
                        0
                    } else {
                        config.bitrate_kbps
                    },
                    picture_hash: config.picture_hash,
                    intra_period: config.intra_period,
                })),
                rate: config.qp.is_none().then(|| {
                    let bits_per_frame =
                        f64::from(config.bitrate_kbps) * 1000.0 / config.fps.as_f64();
                    QpController::new(bits_per_frame, (config.width * config.height) as usize)
                }),
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
        let packet = match &mut self.backend {
            Backend::Mjpeg { encoder, rate } => {
                let quality = match (self.config.quality, rate.as_ref()) {
                    (Some(q), _) => q,
                    (None, Some(rc)) => rc.next_quality(),
                    (None, None) => unreachable!("bitrate mode always has a controller"),
                };
                let image = encoder
                    .encode(frame, quality, self.config.reconstruction)
                    .map_err(|m| Error::FrameSizeMismatch {
                        expected: m.expected,
                        actual: m.actual,
                    })?;
                if let Some(rc) = rate.as_mut() {
                    rc.update(quality, image.data.len() * 8);
                }
                Packet {
                    data: image.data,
                    frame_number: self.frames_sent,
                    keyframe: true,
                    quantizer: Quantizer::JpegQuality(quality),
                    recon: image.recon,
                    hevc_stats: None,
                }
            }
            Backend::Hevc { encoder, rate } => {
                let qp = match (self.config.qp, rate.as_ref()) {
                    (Some(qp), _) => qp,
                    (None, Some(rc)) => rc.next_qp(),
                    (None, None) => unreachable!("bitrate mode always has a controller"),
                };
                let coded = encoder.encode(frame, i32::from(qp));
                if let Some(rc) = rate.as_mut() {
                    rc.update(qp, coded.data.len() * 8);
                }
                let recon = self.config.reconstruction.then(|| {
                    let planes = coded
                        .recon
                        .planes
                        .each_ref()
                        .map(|p| (p.data.as_slice(), p.stride));
                    Picture::from_planes_cropped(planes, self.config.width, self.config.height)
                });
                Packet {
                    data: coded.data,
                    frame_number: self.frames_sent,
                    keyframe: coded.keyframe,
                    quantizer: Quantizer::Qp(qp),
                    recon,
                    hevc_stats: Some(Box::new(coded.stats)),
                }
            }
        };
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
