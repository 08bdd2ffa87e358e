"""``from hobot_vio import libsppydev``: the first boards' name for ``libsrcampy``."""

from softvpu._srcampy import Camera, Decoder, Display, Encoder, bind

__all__ = ["Encoder", "Camera", "Decoder", "Display", "bind"]
