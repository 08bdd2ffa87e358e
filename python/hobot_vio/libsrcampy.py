"""``from hobot_vio import libsrcampy``: the boards' Encoder on softvpu."""

from softvpu._srcampy import Camera, Decoder, Display, Encoder, bind

__all__ = ["Encoder", "Camera", "Decoder", "Display", "bind"]
