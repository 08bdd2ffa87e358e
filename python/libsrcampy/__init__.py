"""``import libsrcampy``: the boards' Encoder on softvpu (same as ``hobot_vio.libsrcampy``)."""

from softvpu._srcampy import Camera, Decoder, Display, Encoder, bind

__all__ = ["Encoder", "Camera", "Decoder", "Display", "bind"]
