"""Memory and time to refuse each hostile upload of ``tests/security/hostile.py``.

    .venv/bin/python bench/hostile_uploads.py            # default limits
    .venv/bin/python bench/hostile_uploads.py --no-ratio  # element/text caps alone

Each file is refused in a fresh Python process, so its figures are its own: the
process starts Django, builds the file in memory (small: ~100 KB for the issue's
100 MB-of-``<x/>`` ``.qdpx``), warms the code path once with a valid upload, then
resets the kernel's peak counter (``/proc/self/clear_refs``) and measures:

* ``rest``: resident memory (VmRSS) just before the upload is handled;
* ``peak+``: the peak (VmHWM) while refusing it, minus ``rest`` — the issue's target
  is under 100 MB for the ``.qdpx``;
* ``seconds``: wall time to the answer (target: within 5 s);
* the status and the start of the reason.

The ``.qdpx`` goes through ``POST /api/v1/projects/import/`` (DRF view, the request
built by ``APIRequestFactory`` for an unsaved user: a refusal touches no table);
documents through ``parse_upload_batch`` (what the document import page and API
call before writing), the codebook through ``read_qdc``. ``--no-ratio`` raises
the ratio and absolute member caps (``REGIE_UPLOAD_MAX_MEMBER_RATIO``,
``REGIE_UPLOAD_MAX_MEMBER_BYTES``) so that the streaming XML scan itself is measured.
No database is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("qdpx_elements", "api", "vijandig.qdpx"),
    ("qdpx_deep", "api", "diep.qdpx"),
    ("qdpx_laughs", "api", "lach.qdpx"),
    ("qdpx_huge_text", "api", "tekst.qdpx"),
    ("qdpx_bomb_source", "api", "bom.qdpx"),
    ("docx_paragraphs", "documents", "leeg.docx"),
    ("docx_deep", "documents", "diep.docx"),
    ("docx_laughs", "documents", "lach.docx"),
    ("docx_huge_text", "documents", "tekst.docx"),
    ("odt_elements", "documents", "leeg.odt"),
    ("zip_bomb", "documents", "bom.zip"),
    ("qdc_deep", "codebook", "diep.qdc"),
    ("qdc_laughs", "codebook", "lach.qdc"),
]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _child(builder: str, door: str, filename: str) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import translation
    from rest_framework.test import APIRequestFactory, force_authenticate

    from coding.importing import ImportBatchError, parse_upload_batch
    from interop.api import ProjectImportView
    from interop.refi import RefiError, read_qdc
    from tests.security import hostile

    translation.activate("en")
    data = getattr(hostile, builder)()
    user = get_user_model()(username="bench", pk=10**9)
    factory = APIRequestFactory()
    view = ProjectImportView.as_view()

    def handle(payload: bytes) -> tuple[int, str]:
        if door == "api":
            from django.core.files.uploadedfile import SimpleUploadedFile

            request = factory.post(
                "/api/v1/projects/import/",
                {"file": SimpleUploadedFile(filename, payload)},
                format="multipart",
            )
            force_authenticate(request, user)
            response = view(request)
            response.render()
            return response.status_code, response.content.decode()
        try:
            if door == "documents":
                parse_upload_batch([(filename, payload)], max_file_bytes=20 * 2**20)
            else:
                read_qdc(payload, filename=filename)
        except (ImportBatchError, RefiError) as error:
            return 400, str(error)
        return 200, ""

    handle(b"PK\x05\x06" + bytes(18))  # warm the path once (refused at once)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM
    rest = _status_kb("VmRSS")
    started = time.perf_counter()
    status, body = handle(data)
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM")
    return {
        "file": builder,
        "door": door,
        "upload_kb": round(len(data) / 1024),
        "rest_mb": round(rest / 1024, 1),
        "peak_growth_mb": round((peak - rest) / 1024, 1),
        "seconds": round(seconds, 3),
        "status": status,
        "reason": " ".join(body.split())[:150],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-ratio", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    env = dict(os.environ)
    if args.no_ratio:
        env["REGIE_UPLOAD_MAX_MEMBER_RATIO"] = str(10**6)
        env["REGIE_UPLOAD_MAX_MEMBER_BYTES"] = str(2**30)
    print(
        f"{'file':18} {'door':9} {'KB':>5} {'rest MB':>8} {'peak+ MB':>9} "
        f"{'s':>6} status  reason"
    )
    for builder, door, filename in CASES:
        if args.no_ratio and builder in ("qdpx_bomb_source", "zip_bomb"):
            continue  # zip bombs of plain text: only the member caps refuse them
        output = subprocess.run(
            [sys.executable, __file__, "--child", builder, door, filename],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        ).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(
            f"{row['file']:18} {row['door']:9} {row['upload_kb']:>5} "
            f"{row['rest_mb']:>8} {row['peak_growth_mb']:>9} {row['seconds']:>6} "
            f"{row['status']:>6}  {row['reason'][:90]}"
        )


if __name__ == "__main__":
    main()
