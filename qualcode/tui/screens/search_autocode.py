"""``A`` on the search's hits: one code on every segment found, after a confirmation with the count.

The project's autocode does the work (``Project.autocode`` with the hits' segment ids): one
event, so one ``u`` takes every coding back. Interviewer turns among the hits are left out unless
the coder asks for them in the confirmation.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text

from qualcode.tui.screens.dialogs import ChoiceDialog, ConfirmDialog
from qualcode.tui.screens.finder import CodeFinder
from qualcode.tui.screens.search import CodeEveryHit
from qualcode.tui.text import plain, say


def code_every_hit(screen, request: CodeEveryHit) -> None:
    """Ask for the code, count what it would do (a dry run), confirm, then apply it as one event."""
    if not request.segment_ids:
        return
    n_hits = len(request.segment_ids)

    def chosen(key: str | None) -> None:
        if key:
            screen.run_project(
                lambda: _run(screen, request, key, False, dry_run=True), partial(counted, key), description="counting"
            )

    def counted(key: str, report) -> None:
        name = screen.code_by_key[key].name if key in screen.code_by_key else key
        asked = report.skipped_interviewer
        theirs = report.new
        if theirs == 0 and not asked:
            say(screen.app, f"Every segment found is coded {name} by you already: nothing to do.")
            return
        already = f" ({report.already} coded so already)" if report.already else ""
        if not asked:
            screen.app.push_screen(
                ConfirmDialog(
                    Text.assemble(f"Code {theirs} segment{'s' if theirs != 1 else ''} with ", plain(name), "?"),
                    Text.assemble(
                        f"Every segment the search found{already}, as one change: u undoes it all.",
                    ),
                    yes="Code them",
                ),
                lambda yes: apply(key, False) if yes else None,
            )
            return
        screen.app.push_screen(
            ChoiceDialog(
                Text.assemble(f"Code the segments found ({n_hits}) with ", plain(name), "?"),
                [
                    ("participants", f"Code {theirs}: the interviewer's {asked} turns left out{already}"),
                    ("all", f"Code the interviewer's {asked} turns too"),
                ],
                hint="Enter: code them (one change, u undoes it) · Esc: cancel",
            ),
            lambda choice: apply(key, choice == "all") if choice else None,
        )

    def apply(key: str, with_interviewer: bool) -> None:
        def done(report) -> None:
            n = report.applied
            message = Text(
                f"✓ coded {n} segment{'s' if n != 1 else ''} found by the search · u undoes it",
                style=screen.status.tone("done"),
            )
            screen.reload(then=lambda: screen.status.set(message=message))

        screen.run_project(lambda: _run(screen, request, key, with_interviewer), done)

    screen.app.push_screen(
        CodeFinder(screen.codes, title=Text(f"Code every hit ({n_hits}) with…"), hint="↑↓ choose · Enter: code · Esc"),
        chosen,
    )


def _run(screen, request: CodeEveryHit, key: str, with_interviewer: bool, dry_run: bool = False):
    return screen.project.autocode(
        key,
        screen.coder,
        request.query,
        segment_ids=request.segment_ids,
        include_interviewer=with_interviewer,
        dry_run=dry_run,
    )
