"""Run by the upload tests in a fresh interpreter: re-encode one file and
print how much the process's peak resident memory grew. Pillow allocates
pixels outside Python's allocator, so tracemalloc does not see them; the
kernel's high-water mark of this process (VmHWM, reset by exec, unlike
getrusage's ru_maxrss, which a child inherits from a big parent) does."""

import json
import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "committee_site.settings")
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import translation  # noqa: E402

from committee_site.uploads import ImageRejected, image_reencode  # noqa: E402
from tests.conftest import jpeg_bytes  # noqa: E402
from tests.images import uniform_png  # noqa: E402


def peak_kb() -> int:
    with open("/proc/self/status") as status:
        match = re.search(r"^VmHWM:\s+(\d+) kB", status.read(), re.MULTILINE)
    assert match, "needs Linux's /proc"
    return int(match.group(1))


path, name = sys.argv[1], sys.argv[2]
with open(path, "rb") as source:
    data = source.read()
# Warm up: plugins, codecs and the gettext catalog load on first use, not per upload.
with translation.override("en"):
    image_reencode(SimpleUploadedFile("warm.jpg", jpeg_bytes()))
    image_reencode(SimpleUploadedFile("warm.png", uniform_png(32, 32)))
    before = peak_kb()
    try:
        size = len(image_reencode(SimpleUploadedFile(name, data)).read())
        outcome = f"accepted ({size} bytes)"
    except ImageRejected as rejected:
        outcome = str(rejected.message)
    after = peak_kb()
print(json.dumps({"growth_mb": (after - before) / 1024, "outcome": outcome}))
