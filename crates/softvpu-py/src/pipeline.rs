//! One encoder channel on its own worker thread.
//!
//! `send` queues a copy of the frame (the queue is bounded, so a fast producer waits
//! instead of piling up frames) and returns; the worker encodes in order; `receive`
//! waits for the next packet. Nothing here touches Python, so callers can run every
//! blocking call with the interpreter lock released, and channels in several threads
//! encode in parallel.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use softvpu::{Config, Encoder, Frame};

/// Why a pipeline call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineError {
    /// The encoder refused the configuration or the frame.
    Encoder(softvpu::Error),
    /// The channel was closed; open a new one.
    Closed,
    /// No packet arrived within the timeout; it may still come later.
    Timeout(Duration),
    /// The encoder failed unexpectedly (a bug); the channel is unusable.
    Internal(String),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encoder(e) => e.fmt(f),
            Self::Closed => f.write_str("the encoder is closed; open it again to encode more"),
            Self::Timeout(t) => write!(
                f,
                "no encoded frame within {:.1} s; the frame is still being encoded",
                t.as_secs_f64()
            ),
            Self::Internal(m) => write!(f, "internal encoder error: {m}"),
        }
    }
}

impl std::error::Error for PipelineError {}

impl From<softvpu::Error> for PipelineError {
    fn from(e: softvpu::Error) -> Self {
        Self::Encoder(e)
    }
}

/// What the worker hands back for one frame.
type Outcome = Result<Vec<u8>, PipelineError>;

/// A running channel. Every method takes `&self`, so one pipeline may be shared by a
/// sending thread and a receiving thread.
#[derive(Debug)]
pub struct Pipeline {
    width: u32,
    height: u32,
    jobs: Mutex<Option<SyncSender<Vec<u8>>>>,
    packets: Mutex<Receiver<Outcome>>,
    /// Frames accepted whose packet has not been received yet.
    in_flight: AtomicUsize,
    /// Shared with the worker.
    flags: Arc<Flags>,
    /// Set once the worker reported an internal error: the channel refuses all work.
    broken: Mutex<Option<String>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Pipeline {
    /// Opens the encoder and starts its worker; at most `depth` frames wait in the queue.
    pub fn open(config: Config, depth: usize) -> Result<Self, PipelineError> {
        let (width, height) = (config.width(), config.height());
        let encoder = guarded(|| Encoder::new(config).map_err(PipelineError::from))?;
        let (job_tx, job_rx) = mpsc::sync_channel(depth.max(1));
        let (out_tx, out_rx) = mpsc::channel();
        let flags = Arc::new(Flags::default());
        let worker_flags = Arc::clone(&flags);
        let worker = thread::Builder::new()
            .name("softvpu-encoder".into())
            .spawn(move || run_worker(encoder, job_rx, out_tx, &worker_flags))
            .map_err(|e| {
                PipelineError::Internal(format!("cannot start the encoder thread: {e}"))
            })?;
        Ok(Self {
            width,
            height,
            jobs: Mutex::new(Some(job_tx)),
            packets: Mutex::new(out_rx),
            in_flight: AtomicUsize::new(0),
            flags,
            broken: Mutex::new(None),
            worker: Mutex::new(Some(worker)),
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Checks the frame, then queues it; waits while the queue is full.
    pub fn send(&self, nv12: Vec<u8>) -> Result<(), PipelineError> {
        Frame::from_nv12(&nv12, self.width, self.height).map_err(softvpu::Error::from)?;
        if let Some(reason) = lock(&self.broken).as_ref() {
            return Err(PipelineError::Internal(format!(
                "an earlier frame failed ({reason}); open a new encoder"
            )));
        }
        let jobs = lock(&self.jobs).clone().ok_or(PipelineError::Closed)?;
        // Counted before queueing so a receiver never misses a frame about to arrive.
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if jobs.send(nv12).is_err() {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            return Err(self.stopped_reason());
        }
        Ok(())
    }

    /// The next packet in frame order: `None` when no frame is in flight; waits up to
    /// `timeout` (forever when `None`) for a frame still being encoded.
    pub fn receive(&self, timeout: Option<Duration>) -> Result<Option<Vec<u8>>, PipelineError> {
        let packets = lock(&self.packets);
        if self.in_flight.load(Ordering::SeqCst) == 0 {
            return if self.is_closed() {
                Err(PipelineError::Closed)
            } else {
                Ok(None)
            };
        }
        let outcome = match timeout {
            Some(t) => packets.recv_timeout(t).map_err(|e| match e {
                RecvTimeoutError::Timeout => PipelineError::Timeout(t),
                RecvTimeoutError::Disconnected => self.stopped_reason(),
            }),
            None => packets.recv().map_err(|_| self.stopped_reason()),
        }?;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Err(PipelineError::Internal(reason)) = &outcome {
            lock(&self.broken).get_or_insert_with(|| reason.clone());
        }
        outcome.map(Some)
    }

    /// Makes the worker panic when it takes the next frame, as a bug in the encoder
    /// would: the tests use it to show that a panic becomes an error for that frame, the
    /// channel refuses further work, and the process stays usable.
    pub fn panic_on_next_frame(&self) {
        self.flags.panic_next.store(true, Ordering::SeqCst);
    }

    /// Frames sent whose packet has not been received.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub fn is_closed(&self) -> bool {
        lock(&self.jobs).is_none()
    }

    /// Stops the worker after the frame it is encoding; frames still queued and packets
    /// not yet received are dropped. Calling it again does nothing.
    pub fn close(&self) {
        self.begin_close();
        if let Some(worker) = lock(&self.worker).take() {
            // The worker catches encoder panics, so joining cannot fail in practice;
            // if it does there is nothing left to clean up.
            let _ = worker.join();
        }
        self.in_flight.store(0, Ordering::SeqCst);
    }

    fn begin_close(&self) {
        self.flags.stop.store(true, Ordering::SeqCst);
        lock(&self.jobs).take();
    }

    /// Why the worker is gone: closed on request, or stopped by an internal error whose
    /// report is still waiting in the packet queue.
    fn stopped_reason(&self) -> PipelineError {
        if self.flags.stop.load(Ordering::SeqCst) {
            PipelineError::Closed
        } else {
            PipelineError::Internal("the encoder thread stopped".into())
        }
    }
}

impl Drop for Pipeline {
    /// Lets the worker finish on its own: joining here could block a Python thread that
    /// is only dropping its last reference.
    fn drop(&mut self) {
        self.begin_close();
    }
}

/// What the pipeline tells its worker.
#[derive(Debug, Default)]
struct Flags {
    /// Stop before the next frame.
    stop: AtomicBool,
    /// Test hook: panic on the next frame (see [`Pipeline::panic_on_next_frame`]).
    panic_next: AtomicBool,
}

fn run_worker(
    mut encoder: Encoder,
    jobs: Receiver<Vec<u8>>,
    packets: Sender<Outcome>,
    flags: &Flags,
) {
    for nv12 in jobs {
        if flags.stop.load(Ordering::SeqCst) {
            break;
        }
        let outcome = guarded(|| {
            if flags.panic_next.swap(false, Ordering::SeqCst) {
                panic!("panic injected by the test hook");
            }
            encode_one(&mut encoder, &nv12)
        });
        let failed = outcome.is_err();
        if packets.send(outcome).is_err() || failed {
            break;
        }
    }
}

/// Encodes one frame into one packet (the encoder has no lookahead: each frame's packet
/// is ready when `send_frame` returns).
fn encode_one(encoder: &mut Encoder, nv12: &[u8]) -> Outcome {
    let config = encoder.config();
    let frame =
        Frame::from_nv12(nv12, config.width(), config.height()).map_err(softvpu::Error::from)?;
    encoder.send_frame(&frame)?;
    match encoder.receive_packet()? {
        Some(packet) => Ok(packet.into_data()),
        None => Err(PipelineError::Internal(
            "the encoder produced no packet for a frame".into(),
        )),
    }
}

/// Runs `f`, turning a panic into [`PipelineError::Internal`] so no panic crosses
/// into the caller (and so into Python).
pub fn guarded<T>(f: impl FnOnce() -> Result<T, PipelineError>) -> Result<T, PipelineError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(PipelineError::Internal(panic_message(&*payload))))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Our locks guard plain handles that stay consistent even if a holder panicked.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use softvpu::synth::Pattern;

    const W: u32 = 64;
    const H: u32 = 48;

    fn open(depth: usize) -> Pipeline {
        Pipeline::open(Config::mjpeg(W, H).quality(80).threads(1), depth).unwrap()
    }

    fn frame(i: u32) -> Vec<u8> {
        Pattern::Moving.render(W, H, i)
    }

    fn direct(frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut enc = Encoder::new(Config::mjpeg(W, H).quality(80).threads(1)).unwrap();
        frames
            .iter()
            .map(|f| {
                enc.send_frame(&Frame::from_nv12(f, W, H).unwrap()).unwrap();
                enc.receive_packet().unwrap().unwrap().into_data()
            })
            .collect()
    }

    #[test]
    fn packets_come_back_in_order_and_match_the_encoder() {
        let p = open(2);
        let frames: Vec<_> = (0..6).map(frame).collect();
        let received = thread::scope(|s| {
            s.spawn(|| frames.iter().for_each(|f| p.send(f.clone()).unwrap()));
            // The receiver may start before the first frame is sent: `None` means
            // "nothing in flight yet", so it polls until it has all six.
            let mut got = Vec::new();
            while got.len() < frames.len() {
                match p.receive(None).unwrap() {
                    Some(packet) => got.push(packet),
                    None => thread::yield_now(),
                }
            }
            got
        });
        assert_eq!(received, direct(&frames));
        assert_eq!(p.receive(None), Ok(None));
    }

    #[test]
    fn nothing_in_flight_is_none_not_a_wait() {
        let p = open(1);
        assert_eq!(p.receive(Some(Duration::from_secs(60))), Ok(None));
        assert_eq!(p.in_flight(), 0);
    }

    #[test]
    fn bad_frames_are_refused_before_queueing() {
        let p = open(1);
        let err = p.send(vec![0; 10]).unwrap_err();
        assert!(matches!(
            err,
            PipelineError::Encoder(softvpu::Error::Frame(_))
        ));
        assert_eq!(p.in_flight(), 0);
    }

    #[test]
    fn closed_pipelines_refuse_everything() {
        let p = open(4);
        for i in 0..3 {
            p.send(frame(i)).unwrap();
        }
        p.close();
        p.close();
        assert!(p.is_closed());
        assert_eq!(p.send(frame(0)), Err(PipelineError::Closed));
        assert_eq!(p.receive(None), Err(PipelineError::Closed));
    }

    #[test]
    fn bad_configs_are_encoder_errors() {
        let err = Pipeline::open(Config::mjpeg(63, 48), 1).unwrap_err();
        assert!(matches!(
            err,
            PipelineError::Encoder(softvpu::Error::Frame(_))
        ));
    }

    #[test]
    fn panics_become_internal_errors() {
        let r: Result<(), _> = guarded(|| panic!("boom"));
        assert_eq!(r, Err(PipelineError::Internal("boom".into())));
    }

    #[test]
    fn a_panicking_worker_fails_its_frame_and_the_channel() {
        let p = open(4);
        p.send(frame(0)).unwrap();
        assert!(p.receive(None).unwrap().is_some());
        p.panic_on_next_frame();
        p.send(frame(1)).unwrap();
        let err = p.receive(None).unwrap_err();
        assert_eq!(
            err,
            PipelineError::Internal("panic injected by the test hook".into())
        );
        assert!(matches!(p.send(frame(2)), Err(PipelineError::Internal(_))));
        p.close();
        // Other channels are unaffected.
        let fresh = open(1);
        fresh.send(frame(3)).unwrap();
        assert_eq!(
            fresh.receive(None).unwrap(),
            Some(direct(&[frame(3)]).remove(0))
        );
    }

    #[test]
    fn dropping_does_not_wait_for_the_worker() {
        let p = open(4);
        p.send(frame(0)).unwrap();
        drop(p);
    }
}
