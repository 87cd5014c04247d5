"""Codebook editing from the workbench: add, rename, edit, move, merge, delete, write the YAML.

The same rules as the CLI, because the same project methods enforce them: a code with codings
cannot be deleted (merge it instead), a merge says how many codings move, a move cannot put a
code under its own descendant, sibling names stay unique. Each change is recorded under the
coder's name, so ``u`` undoes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from rich.text import Text
from textual.app import App

from qualcode import codetree
from qualcode.codebook import save_codebook
from qualcode.project import Project
from qualcode.records import CodeInfo
from qualcode.tui.errors import report
from qualcode.tui.runner import ProjectCaller
from qualcode.tui.screens.code_edit import CodeEditDialog
from qualcode.tui.screens.dialogs import ConfirmDialog, TextPrompt
from qualcode.tui.screens.finder import TOP_LEVEL, CodeFinder
from qualcode.tui.text import one_line, say
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.status import StatusBar


class CodebookHost(ProjectCaller, Protocol):
    """What the editor needs from the screen it works in: the project and coder, the codebook as
    last read, the codebook pane and status bar, and the screen's way to call the project."""

    project: Project
    coder: str
    codes: list[CodeInfo]
    code_by_key: dict[str, CodeInfo]
    codebook: CodebookTree
    status: StatusBar

    @property
    def app(self) -> App[object]: ...

    def reload(self, initial: bool = False, then: Callable[[], None] | None = None) -> None: ...


def code_path(code: CodeInfo, by_key: dict[str, CodeInfo]) -> list[str]:
    """Names from the top of the codebook down to ``code``."""
    parents = {key: c.parent_key for key, c in by_key.items()}
    return [*(by_key[key].name for key in reversed(codetree.ancestors(parents, code.key))), code.name]


def with_descendants(key: str, codes: Iterable[CodeInfo]) -> set[str]:
    """``key`` and the keys of every code below it."""
    return codetree.descendants({c.key: c.parent_key for c in codes}).get(key, {key})


class CodebookEditor:
    """The codebook actions of the workbench screen, which passes itself as ``host`` and binds
    its keys (``screen.add_code`` …) to these methods."""

    def __init__(self, host: CodebookHost) -> None:
        self.host = host

    @property
    def app(self) -> App[object]:
        return self.host.app

    def _highlighted_code(self) -> CodeInfo | None:
        key = self.host.codebook.highlighted_key
        code = self.host.code_by_key.get(key) if key else None
        if code is None:
            say(self.app, "Highlight a code in the codebook first.", severity="warning")
        return code

    def _changed(self, message: Text, select: str | None = None) -> None:
        host = self.host

        def after() -> None:
            host.status.set(message=message)
            if select:
                host.codebook.select_key(select)

        host.reload(then=after)

    def add(self, top_level: bool = False) -> None:
        host = self.host
        parent = None if top_level else host.code_by_key.get(host.codebook.highlighted_key or "")
        title = (
            Text("New top-level code") if parent is None else Text.assemble("New code under ", one_line(parent.name))
        )
        coder, p = host.coder, host.project

        def entered(values: dict[str, Any] | None) -> None:
            if not values:
                return
            if not values.get("name"):
                say(self.app, "A code needs a name; nothing was added.", severity="warning")
                return
            name = values.pop("name")
            definition = {k: v for k, v in values.items() if v}
            host.run_project(
                lambda: p.add_code(name, parent.key if parent else None, coder=coder, **definition),
                lambda info: self._changed(Text.assemble("+ added ", one_line(info.name), " (u undoes)"), info.key),
                description="adding the code",
            )

        self.app.push_screen(CodeEditDialog(title), entered)

    def rename(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        host = self.host
        coder, p = host.coder, host.project

        def entered(name: str | None) -> None:
            if name is None or name.strip() == code.name:
                return
            host.run_project(
                lambda: p.update_code(code.key, coder=coder, name=name),
                lambda info: self._changed(Text.assemble("renamed to ", one_line(info.name), " (u undoes)"), info.key),
                description="renaming",
            )

        self.app.push_screen(TextPrompt(Text.assemble("Rename ", one_line(code.name)), code.name), entered)

    def edit(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        host = self.host
        coder, p = host.coder, host.project

        def entered(changes: dict[str, Any] | None) -> None:
            if not changes:
                return
            host.run_project(
                lambda: p.update_code(code.key, coder=coder, **changes),
                lambda info: self._changed(
                    Text.assemble("saved the definition of ", one_line(info.name), " (u undoes)"), info.key
                ),
                description="saving the definition",
            )

        self.app.push_screen(CodeEditDialog(Text.assemble("Edit ", one_line(code.name)), code), entered)

    def move(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        host = self.host
        coder, p = host.coder, host.project
        inside = with_descendants(code.key, host.codes)

        def chosen(target: str | None) -> None:
            if target is None:
                return
            parent = None if target == TOP_LEVEL else target
            if parent == code.parent_key:
                say(self.app, f"{code.name} is already there; nothing was moved.")
                return
            # The full path of the new parent, so that a fuzzy match on the wrong code shows.
            where = (
                "the top level" if parent is None else " › ".join(code_path(host.code_by_key[parent], host.code_by_key))
            )
            self.app.push_screen(
                ConfirmDialog(
                    Text.assemble("Move ", one_line(code.name), "?"),
                    Text.assemble("Under: ", one_line(where, style="bold"), "\nu undoes it."),
                    yes="Move",
                ),
                lambda yes: move(parent, where) if yes else None,
            )

        def move(parent: str | None, where: str) -> None:
            host.run_project(
                lambda: p.move_code(code.key, parent, coder=coder),
                lambda info: self._changed(
                    Text.assemble("moved ", one_line(info.name), " under ", one_line(where), " (u undoes)"), info.key
                ),
                description="moving the code",
            )

        self.app.push_screen(
            CodeFinder(
                host.codes,
                title=Text.assemble("Move ", one_line(code.name), " under…"),
                allow_top_level=True,
                exclude=inside,
                hint="choose the new parent · Enter: choose (you confirm next) · Esc: cancel",
            ),
            chosen,
        )

    def merge(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        host = self.host
        coder, p = host.coder, host.project

        def chosen(target: str | None) -> None:
            if target is None or target == TOP_LEVEL:
                return
            into = host.code_by_key[target]
            host.run_project(
                p.code_counts, lambda totals: confirm(into, totals.get(code.key, 0)), description="counting codings"
            )

        def confirm(into: CodeInfo, n: int) -> None:
            body = Text.assemble(
                f"Its {n} coding{'s' if n != 1 else ''} (by every coder) and its memos move to ",
                one_line(into.name),
                ", and ",
                one_line(code.name),
                " is deleted. u undoes it.",
            )
            self.app.push_screen(
                ConfirmDialog(
                    Text.assemble("Merge ", one_line(code.name), " into ", one_line(into.name), "?"), body, yes="Merge"
                ),
                lambda yes: merge(into) if yes else None,
            )

        def merge(into: CodeInfo) -> None:
            host.run_project(
                lambda: p.merge_code(code.key, into.key, coder=coder),
                lambda n: self._changed(
                    Text.assemble(f"merged ({n} codings moved) into ", one_line(into.name), " (u undoes)"), into.key
                ),
                description="merging",
            )

        self.app.push_screen(
            CodeFinder(
                host.codes,
                title=Text.assemble("Merge ", one_line(code.name), " into…"),
                exclude={code.key},
                hint="choose the code that stays · Enter: merge · Esc: cancel",
            ),
            chosen,
        )

    def delete(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        host = self.host
        coder, p = host.coder, host.project

        def counted(totals: dict[str, int]) -> None:
            n = totals.get(code.key, 0)
            if n:
                say(
                    self.app,
                    f"{code.name} has {n} coding{'s' if n != 1 else ''}; merge it into another code (M) "
                    "instead of deleting it, so that no coding is lost.",
                    severity="error",
                    title="Not deleted",
                )
                return
            if any(c.parent_key == code.key for c in host.codes):
                say(
                    self.app,
                    f"{code.name} has sub-codes; move or delete them first.",
                    severity="error",
                    title="Not deleted",
                )
                return
            self.app.push_screen(
                ConfirmDialog(
                    Text.assemble("Delete ", one_line(code.name), "?"),
                    Text("It has no codings. u undoes it."),
                    yes="Delete",
                ),
                lambda yes: delete() if yes else None,
            )

        def delete() -> None:
            host.run_project(
                lambda: p.delete_code(code.key, coder=coder),
                lambda _: self._changed(Text.assemble("deleted ", one_line(code.name), " (u undoes)")),
                description="deleting the code",
            )

        host.run_project(p.code_counts, counted, description="counting codings")

    def write(self) -> None:
        host = self.host
        p = host.project
        db_file = p.database_file
        default = str(db_file.with_name(db_file.stem + "-codebook.yaml")) if db_file else "codebook.yaml"

        def entered(path: str | None) -> None:
            if not path:
                return
            target = Path(path).expanduser()
            if target.exists():
                self.app.push_screen(
                    ConfirmDialog(Text.assemble("Replace ", one_line(str(target)), "?"), yes="Replace"),
                    lambda yes: write(target) if yes else None,
                )
            else:
                write(target)

        def write(target: Path) -> None:
            def save() -> int:
                doc = p.codebook_doc()
                save_codebook(doc, target)
                return len(doc.by_id())

            host.run_project(
                save,
                lambda n: say(self.app, f"Wrote {n} codes to {target}", title="Codebook saved"),
                error=lambda exc: report(self.app, exc, doing=f"Could not write {target}"),
                description="writing the codebook",
            )

        self.app.push_screen(
            TextPrompt(
                "Write the codebook as YAML to",
                default,
                hint="Enter: write · Esc: cancel · `qualcode codebook update FILE` reads it back",
            ),
            entered,
        )
