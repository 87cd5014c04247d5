"""Fetch the real QualCoder and Taguette projects the peers tests and benchmark use.

They are not committed (see tests/fixtures/peers/README.md for why): this script downloads each
from its public repository at a pinned commit, checks its SHA-256 and stores it in
``tests/fixtures/peers/real/`` (or the folder given as the first argument, which
``QUALCODE_PEER_FILES`` then names for the tests).

    python benchmarks/fetch_peer_files.py
"""

from __future__ import annotations

import hashlib
import sys
import urllib.request
from pathlib import Path

QUALCODER_REPO = "LibraryCarpentry/lc-qualitative-qualcoder"
QUALCODER_COMMIT = "1f7b33dee1dd5140cd6dc72f13582d14b8a25f5a"
TAGUETTE_REPO = "navarral/swj2022-usability-paper"
TAGUETTE_COMMIT = "8ce3b61b0ee9d0b5f3bbef4bcd3a8eca9fc8db1b"

FILES = {
    "mannheimer_data.qda": (
        QUALCODER_REPO,
        QUALCODER_COMMIT,
        "episodes/data/mannheimer_refi_qda_project_recoded.qda/data.qda",
        "da006dfc3aeb82ae2ba9c37ac947f4446810ef44bd4f7a11a9206f179f1fc0ac",
    ),
    "SERDIF_P2_ThematicAnalysis.sqlite3": (
        TAGUETTE_REPO,
        TAGUETTE_COMMIT,
        "data/transcripts/thematic-analysis/SERDIF_P2_ThematicAnalysis.sqlite3",
        "33bc97988ddedb792f1f57575a5949525373942151d6fe52a3ebc000214d8c9a",
    ),
    "all_tags_20220303.csv": (
        TAGUETTE_REPO,
        TAGUETTE_COMMIT,
        "data/transcripts/thematic-analysis/tags/csv/all_tags_20220303.csv",
        "b9c07fe52801eed3db7a983e0a0128376e18619b9e3524eec0779b8659075bba",
    ),
    "codebook_20220303_8.csv": (
        TAGUETTE_REPO,
        TAGUETTE_COMMIT,
        "data/transcripts/thematic-analysis/codebooks/codebook_20220303_8.csv",
        "5e73f628050798c872204182f432a82af8f8dfd93a33820bd430801741a70f08",
    ),
}


def main(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name, (repo, commit, path, digest) in FILES.items():
        target = folder / name
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            print(f"{name}: already there")
            continue
        url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
        if hashlib.sha256(data).hexdigest() != digest:
            print(f"{name}: {url} is not the pinned file (SHA-256 differs); not stored", file=sys.stderr)
            failed += 1
            continue
        target.write_bytes(data)
        print(f"{name}: {len(data):,} bytes from {repo}@{commit[:7]}")
    return 1 if failed else 0


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "peers" / "real"
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default))
