"""Type stub of the compiled extension (crates/softvpu-py/src/bindings.rs)."""

from typing import Optional

__version__: str

class Channel:
    """An open encoder channel on a worker thread."""

    def __init__(
        self,
        codec: str,
        width: int,
        height: int,
        *,
        bitrate_kbps: int = 8000,
        fps_num: int = 30,
        fps_den: int = 1,
        gop: int = 30,
        quality: Optional[int] = None,
        qp: Optional[int] = None,
        max_bitrate_kbps: Optional[int] = None,
        threads: int = 0,
        queue: int = 4,
        preset: str = "fast",
    ) -> None: ...
    def send(self, frame: bytes) -> None: ...
    def receive(self, timeout: Optional[float] = None) -> Optional[bytes]: ...
    def close(self) -> None: ...
    def _panic_on_next_frame(self) -> None: ...
    @property
    def in_flight(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
