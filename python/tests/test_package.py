"""What the installed package ships: type information, and syntax that Python 3.8 reads."""

from __future__ import annotations

import ast
from pathlib import Path

import hobot_vio
import libsrcampy
import softvpu

PACKAGES = [Path(m.__file__).parent for m in (softvpu, hobot_vio, libsrcampy)]


def test_type_information_is_installed():
    root = Path(softvpu.__file__).parent
    assert (root / "py.typed").is_file()
    assert (root / "_native.pyi").is_file()


def test_sources_parse_as_python_3_8():
    sources = [p for pkg in PACKAGES for p in pkg.glob("*.py")]
    assert len(sources) >= 8
    for path in sources:
        ast.parse(path.read_text(), str(path), feature_version=(3, 8))


def test_version_is_the_crate_version():
    assert softvpu.__version__.count(".") == 2
