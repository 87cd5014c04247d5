"""The workbench screen as a browser tab gets it.

A browser tab never names a file on the server. Two actions of the terminal workbench ask for a
path, and in a browser that path would be on the server's disk, where anyone with the link could
read or overwrite any file the server's user can:

- "write the codebook as YAML" writes to a path: here the YAML goes to the colleague's browser as
  a download instead (through the server's guarded download route);
- "Transcripts: Replace the open transcript's text…" reads a corrected file from a path: here it
  is neither in the palette nor run (``reads_typed_paths``); it says to use
  ``qualcode transcripts replace`` where the project is.

tests/test_serve.py checks that no other action of the workbench turns typed text into a path.
"""

from __future__ import annotations

import io

from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.text import say


class ServedWorkbenchScreen(WorkbenchScreen):
    reads_typed_paths = False

    def action_write_codebook(self) -> None:
        if not self.app.is_web:
            super().action_write_codebook()
            return
        p = self.project

        def dump() -> tuple[str, int]:
            from qualcode.codebook import dump_codebook

            doc = p.codebook_doc()
            return dump_codebook(doc), len(doc.by_id())

        def deliver(result: tuple[str, int]) -> None:
            text, count = result
            self.app.deliver_text(
                io.StringIO(text), save_filename="codebook.yaml", mime_type="application/yaml", encoding="utf-8"
            )
            say(self.app, f"{count} codes: your browser downloads codebook.yaml", title="Codebook")

        self.run_project(dump, deliver, description="writing the codebook")
