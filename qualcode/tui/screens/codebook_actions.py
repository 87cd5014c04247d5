"""Codebook editing from the workbench: add, rename, edit, move, merge, delete, write the YAML.

The same rules as the CLI, because the same project methods enforce them: a code with codings
cannot be deleted (merge it instead), a merge says how many codings move, a move cannot put a
code under its own descendant, sibling names stay unique. Each change is recorded under the
coder's name, so ``u`` undoes it.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from qualcode.tui.screens.code_edit import CodeEditDialog
from qualcode.tui.screens.dialogs import ConfirmDialog, TextPrompt
from qualcode.tui.screens.finder import TOP_LEVEL, CodeFinder
from qualcode.tui.text import one_line, say


class CodebookActions:
    """Mixed into ``WorkbenchScreen`` (uses its ``project``, ``coder``, ``codes``, ``tree``, ``run_project``)."""

    def _highlighted_code(self):
        key = self.codebook.highlighted_key
        code = self.code_by_key.get(key) if key else None
        if code is None:
            say(self.app, "Highlight a code in the codebook first.", severity="warning")
        return code

    def _changed(self, message: Text, select: str | None = None) -> None:
        def after() -> None:
            self.status.set(message=message)
            if select:
                self.codebook.select_key(select)

        self.reload(then=after)

    def action_add_code(self, top_level: bool = False) -> None:
        parent = None if top_level else self.code_by_key.get(self.codebook.highlighted_key or "")
        title = (
            Text("New top-level code") if parent is None else Text.assemble("New code under ", one_line(parent.name))
        )
        coder, p = self.coder, self.project

        def entered(values: dict | None) -> None:
            if not values:
                return
            if not values.get("name"):
                say(self.app, "A code needs a name; nothing was added.", severity="warning")
                return
            name = values.pop("name")
            definition = {k: v for k, v in values.items() if v}
            self.run_project(
                lambda: p.add_code(name, parent.key if parent else None, coder=coder, **definition),
                lambda info: self._changed(Text.assemble("+ added ", one_line(info.name), " (u undoes)"), info.key),
                description="adding the code",
            )

        self.app.push_screen(CodeEditDialog(title), entered)

    def action_rename_code(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        coder, p = self.coder, self.project

        def entered(name: str | None) -> None:
            if name is None or name.strip() == code.name:
                return
            self.run_project(
                lambda: p.update_code(code.key, coder=coder, name=name),
                lambda info: self._changed(Text.assemble("renamed to ", one_line(info.name), " (u undoes)"), info.key),
                description="renaming",
            )

        self.app.push_screen(TextPrompt(Text.assemble("Rename ", one_line(code.name)), code.name), entered)

    def action_edit_code(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        coder, p = self.coder, self.project

        def entered(changes: dict | None) -> None:
            if not changes:
                return
            self.run_project(
                lambda: p.update_code(code.key, coder=coder, **changes),
                lambda info: self._changed(
                    Text.assemble("saved the definition of ", one_line(info.name), " (u undoes)"), info.key
                ),
                description="saving the definition",
            )

        self.app.push_screen(CodeEditDialog(Text.assemble("Edit ", one_line(code.name)), code), entered)

    def action_move_code(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        coder, p = self.coder, self.project
        inside = self._with_descendants(code.key)

        def chosen(target: str | None) -> None:
            if target is None:
                return
            parent = None if target == TOP_LEVEL else target
            if parent == code.parent_key:
                say(self.app, f"{code.name} is already there; nothing was moved.")
                return
            # The full path of the new parent, so that a fuzzy match on the wrong code shows.
            where = "the top level" if parent is None else " › ".join(self._code_path(self.code_by_key[parent]))
            self.app.push_screen(
                ConfirmDialog(
                    Text.assemble("Move ", one_line(code.name), "?"),
                    Text.assemble("Under: ", one_line(where, style="bold"), "\nu undoes it."),
                    yes="Move",
                ),
                lambda yes: move(parent, where) if yes else None,
            )

        def move(parent: str | None, where: str) -> None:
            self.run_project(
                lambda: p.move_code(code.key, parent, coder=coder),
                lambda info: self._changed(
                    Text.assemble("moved ", one_line(info.name), " under ", one_line(where), " (u undoes)"), info.key
                ),
                description="moving the code",
            )

        self.app.push_screen(
            CodeFinder(
                self.codes,
                title=Text.assemble("Move ", one_line(code.name), " under…"),
                allow_top_level=True,
                exclude=inside,
                hint="choose the new parent · Enter: choose (you confirm next) · Esc: cancel",
            ),
            chosen,
        )

    def action_merge_code(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        coder, p = self.coder, self.project

        def chosen(target: str | None) -> None:
            if target is None or target == TOP_LEVEL:
                return
            into = self.code_by_key[target]
            self.run_project(
                p.code_counts, lambda totals: confirm(into, totals.get(code.key, 0)), description="counting codings"
            )

        def confirm(into, n: int) -> None:
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

        def merge(into) -> None:
            self.run_project(
                lambda: p.merge_code(code.key, into.key, coder=coder),
                lambda n: self._changed(
                    Text.assemble(f"merged ({n} codings moved) into ", one_line(into.name), " (u undoes)"), into.key
                ),
                description="merging",
            )

        self.app.push_screen(
            CodeFinder(
                self.codes,
                title=Text.assemble("Merge ", one_line(code.name), " into…"),
                exclude={code.key},
                hint="choose the code that stays · Enter: merge · Esc: cancel",
            ),
            chosen,
        )

    def action_delete_code(self) -> None:
        code = self._highlighted_code()
        if code is None:
            return
        coder, p = self.coder, self.project

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
            if any(c.parent_key == code.key for c in self.codes):
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
            self.run_project(
                lambda: p.delete_code(code.key, coder=coder),
                lambda _: self._changed(Text.assemble("deleted ", one_line(code.name), " (u undoes)")),
                description="deleting the code",
            )

        self.run_project(p.code_counts, counted, description="counting codings")

    def action_write_codebook(self) -> None:
        p = self.project
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
                from qualcode.codebook import save_codebook

                doc = p.codebook_doc()
                save_codebook(doc, target)
                return len(doc.by_id())

            self.run_project(
                save,
                lambda n: say(self.app, f"Wrote {n} codes to {target}", title="Codebook saved"),
                error=lambda exc: say(self.app, f"Could not write {target}: {exc}", severity="error"),
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
