//! The `softvpu._native` extension module: one class, `Channel`, over [`Pipeline`].
//! Argument checking beyond types, the board's return codes and the Pythonic API live
//! in the Python package; this layer only moves bytes and releases the interpreter
//! lock around everything that can wait or encode.

use std::time::{Duration, Instant};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};

use crate::pipeline::{guarded, Pipeline, PipelineError};
use crate::settings::Settings;

/// How often a wait without a deadline wakes up to let Ctrl-C through.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// An open encoder channel: frames go in with `send`, packets come out of `receive`.
#[pyclass(frozen, module = "softvpu._native")]
struct Channel {
    pipeline: Pipeline,
}

#[pymethods]
impl Channel {
    #[new]
    #[pyo3(signature = (
        codec, width, height, *, bitrate_kbps = 8000, fps_num = 30, fps_den = 1, gop = 30,
        quality = None, qp = None, max_bitrate_kbps = None, threads = 0, queue = 4,
        preset = "fast"
    ))]
    #[allow(clippy::too_many_arguments)] // mirrors the Python signature
    fn new(
        py: Python<'_>,
        codec: &str,
        width: i64,
        height: i64,
        bitrate_kbps: i64,
        fps_num: i64,
        fps_den: i64,
        gop: i64,
        quality: Option<i64>,
        qp: Option<i64>,
        max_bitrate_kbps: Option<i64>,
        threads: i64,
        queue: usize,
        preset: &str,
    ) -> PyResult<Self> {
        let settings = Settings {
            codec: codec.to_owned(),
            width,
            height,
            bitrate_kbps,
            fps_num,
            fps_den,
            gop,
            quality,
            qp,
            max_bitrate_kbps,
            threads,
            preset: preset.to_owned(),
        };
        guarded(|| Pipeline::open(settings.to_config()?, queue))
            .map(|pipeline| Self { pipeline })
            .map_err(|e| to_py_err(py, e))
    }

    /// Queues one packed NV12 frame; waits (without the interpreter lock) while the
    /// queue is full.
    fn send(&self, py: Python<'_>, frame: &Bound<'_, PyBytes>) -> PyResult<()> {
        let data = frame.as_bytes().to_vec();
        py.detach(|| guarded(|| self.pipeline.send(data)))
            .map_err(|e| to_py_err(py, e))
    }

    /// The next packet; `None` when no frame is in flight. Waits up to `timeout`
    /// seconds (forever when `None`) and raises `EncoderTimeoutError` after that.
    #[pyo3(signature = (timeout = None))]
    fn receive<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let limit = timeout.map(seconds).transpose()?;
        // A deadline past what `Instant` can hold is no deadline.
        let deadline = limit.and_then(|t| Instant::now().checked_add(t));
        loop {
            let slice = deadline.map_or(SIGNAL_CHECK, |d| {
                d.saturating_duration_since(Instant::now())
                    .min(SIGNAL_CHECK)
            });
            match py.detach(|| guarded(|| self.pipeline.receive(Some(slice)))) {
                Err(PipelineError::Timeout(_)) => {
                    py.check_signals()?;
                    if let (Some(d), Some(t)) = (deadline, limit) {
                        if Instant::now() >= d {
                            return Err(to_py_err(py, PipelineError::Timeout(t)));
                        }
                    }
                }
                Ok(packet) => return Ok(packet.map(|p| PyBytes::new(py, &p))),
                Err(e) => return Err(to_py_err(py, e)),
            }
        }
    }

    /// Stops the worker after its current frame and drops what is still queued.
    fn close(&self, py: Python<'_>) {
        py.detach(|| self.pipeline.close());
    }

    /// Test hook: the encoder thread panics on its next frame, as a bug would.
    fn _panic_on_next_frame(&self) {
        self.pipeline.panic_on_next_frame();
    }

    /// Frames sent whose packet has not been received.
    #[getter]
    fn in_flight(&self) -> usize {
        self.pipeline.in_flight()
    }

    #[getter]
    fn closed(&self) -> bool {
        self.pipeline.is_closed()
    }

    #[getter]
    fn width(&self) -> u32 {
        self.pipeline.width()
    }

    #[getter]
    fn height(&self) -> u32 {
        self.pipeline.height()
    }
}

/// A timeout in seconds as a `Duration`; negative or NaN is a `ValueError`.
fn seconds(s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        PyValueError::new_err(format!("timeout must be a number of seconds >= 0, not {s}"))
    })
}

/// The `softvpu.errors` class for `e`, carrying its message.
fn to_py_err(py: Python<'_>, e: PipelineError) -> PyErr {
    use softvpu::Error;
    let class = match &e {
        PipelineError::Encoder(Error::Frame(_) | Error::FrameSizeMismatch { .. }) => "FrameError",
        PipelineError::Encoder(Error::UnsupportedCodec { .. }) => "UnsupportedCodecError",
        PipelineError::Encoder(Error::InvalidConfig { .. }) => "ConfigError",
        PipelineError::Encoder(Error::Flushed) | PipelineError::Closed => "EncoderClosedError",
        PipelineError::Timeout(_) => "EncoderTimeoutError",
        PipelineError::Internal(_) => "InternalError",
    };
    match error_class(py, class) {
        Ok(ty) => PyErr::from_type(ty, e.to_string()),
        Err(import_failure) => import_failure,
    }
}

fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let class = py.import("softvpu.errors")?.getattr(name)?;
    class
        .cast_into::<PyType>()
        .map_err(|_| PyTypeError::new_err(format!("softvpu.errors.{name} is not a class")))
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Channel>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
