"""One coder's tab pressing undo (or redo) several times, at the same moment as other tabs (run as a subprocess).

    python tests/concurrent_undo.py DB_URL CODER undo|redo COUNT START_AT OUT.json

Every process opens the project itself (its own connections, as a browser tab's workbench does),
waits until START_AT (a time.time() value) so that all of them press at once, and writes, for
each press, the event it reversed or re-applied (``undoes``), or the one line it failed with.
"""

from __future__ import annotations

import json
import sys
import time

from qualcode.errors import QualcodeError
from qualcode.project import Project


def main(url: str, coder: str, which: str, count: int, start_at: float, out: str) -> None:
    project = Project.open(url)
    project.coders()  # connect before the start, so that every press is a press, not a login
    presses: list[dict[str, object]] = []
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(count):
        try:
            event = getattr(project, which)(coder)
        except QualcodeError as exc:
            presses.append({"error": str(exc)})
            continue
        presses.append({"kind": event.kind, "undoes": event.undoes} if event is not None else {"nothing": True})
    project.close()
    with open(out, "w") as fh:
        json.dump(presses, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
