"""The RDK boards' ``hobot_vio`` package, as far as softvpu implements it: the video
Encoder of ``libsrcampy`` (also under its older name ``libsppydev``)."""
