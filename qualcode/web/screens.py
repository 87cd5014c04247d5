"""The workbench screen as a browser tab gets it.

One difference: "write the codebook as YAML" asks the terminal user for a path and writes there.
In a browser that path would be on the server, and anyone with the link could then overwrite any
file the server's user can write; instead the YAML goes to the colleague's browser as a download
(through the server's guarded /download route), and the server's disk is left alone.
"""

from __future__ import annotations

import io

from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.text import say


class ServedWorkbenchScreen(WorkbenchScreen):
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
