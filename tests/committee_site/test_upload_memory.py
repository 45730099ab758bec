"""Peak memory per uploaded picture stays under uploads.MEMORY_BOUND_MB for
the worst picture each format may bring, and a picture above the cap is
refused before its pixels are decoded. Measured in a fresh interpreter
(upload_memory.py) from the kernel's high-water mark: Pillow's pixel buffers
are invisible to tracemalloc."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from committee_site.uploads import MEMORY_BOUND_MB
from tests.images import uniform_png

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures with Linux's /proc")


def _encoded(size: tuple[int, int], image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(buffer, format=image_format)
    return buffer.getvalue()


def _peak_growth(tmp_path: Path, data: bytes, name: str) -> tuple[float, str]:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("upload_memory.py")), str(path), name],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["growth_mb"], result["outcome"]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        # The largest JPEG decoded whole, and a 50 MP phone photo decoded at half size.
        ("whole.jpg", lambda: _encoded((4096, 4096), "JPEG")),
        ("phone-50mp.jpg", lambda: _encoded((8192, 6144), "JPEG")),
        # The largest PNG with alpha (converted whole before scaling), and WebP at its cap.
        ("screen.png", lambda: uniform_png(4096, 3072, mode="RGBA")),
        ("picture.webp", lambda: _encoded((3072, 2048), "WEBP")),
    ],
)
def test_the_largest_accepted_picture_of_each_kind_stays_under_the_memory_bound(tmp_path, name, make):
    growth, outcome = _peak_growth(tmp_path, make(), name)
    assert outcome.startswith("accepted")
    assert growth < MEMORY_BOUND_MB


def test_a_tiny_png_of_64_megapixels_is_refused_without_decoding(tmp_path):
    # What took a web process from 76 MB to 856 MB.
    growth, outcome = _peak_growth(tmp_path, uniform_png(8000, 8000), "bomb.png")
    assert outcome == (
        "“bomb.png” has too many pixels: a PNG picture may have at most 12 megapixels. Please send a smaller copy."
    )
    assert growth < 8
