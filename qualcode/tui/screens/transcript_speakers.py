"""Who the open transcript's speakers are, from the workbench palette ("Transcripts: Who the
speakers of the open transcript are…").

The same change as `qualcode transcripts speakers`: pick a speaker, then the interviewer, the
transcript's own participant, or another participant by label. One event, which ``u`` undoes.
"""

from __future__ import annotations

from rich.text import Text

from qualcode.tui.screens.dialogs import ChoiceDialog, TextPrompt
from qualcode.tui.text import one_line, say


def map_open_transcript_speakers(screen) -> None:
    """Ask which speaker, then who they are; apply as the coder's one event."""
    if screen.open is None:
        say(screen.app, "Open a transcript first: its speakers are what gets mapped.", severity="warning")
        return
    name, coder, project = screen.open.info.name, screen.coder, screen.project

    def listed(rows) -> None:
        if not rows:
            say(screen.app, "This transcript has no speaker labels: every turn is its participant's.")
            return
        choices = [(str(i), _row_label(r)) for i, r in enumerate(rows)]

        def picked(index: str | None) -> None:
            if index is not None:
                ask_role(rows[int(index)])

        screen.app.push_screen(
            ChoiceDialog(Text.assemble("Speakers of ", one_line(name), ": which one?"), choices), picked
        )

    def ask_role(row) -> None:
        choices = [
            ("interviewer", "The interviewer (left out of progress, agreement and quotes)"),
            ("own", "The transcript's own participant"),
            ("other", "Another participant… (a new label makes a new participant)"),
        ]

        def chosen(role: str | None) -> None:
            if role == "interviewer":
                apply(row.speaker, interviewer=True)
            elif role == "own":
                apply(row.speaker, reset=True)
            elif role == "other":

                def named(label: str | None) -> None:
                    if label and label.strip():
                        apply(row.speaker, label=label.strip())

                screen.app.push_screen(
                    TextPrompt(
                        Text.assemble("Whose words are ", one_line(row.speaker), "'s turns?"),
                        value=row.participant or "",
                        placeholder="participant label, e.g. Teacher A",
                    ),
                    named,
                )

        screen.app.push_screen(ChoiceDialog(Text.assemble(one_line(row.speaker), " is…"), choices), chosen)

    def apply(speaker: str, interviewer: bool = False, reset: bool = False, label: str | None = None) -> None:
        def change():
            return project.set_transcript_speakers(
                name,
                coder,
                interviewer=[speaker] if interviewer else [],
                participants={speaker: label} if label else None,
                reset=[speaker] if reset else [],
            )

        def done(rows) -> None:
            row = next((r for r in rows if r.speaker == speaker), None)
            words = (
                "" if row is None else (" is the interviewer" if row.interviewer else f": words of {row.participant}")
            )
            screen.reload(
                then=lambda: screen.status.set(
                    message=Text.assemble(
                        ("✓ ", screen.status.tone("done")),
                        one_line(speaker),
                        (f"{words} · u undoes", screen.status.tone("done")),
                    )
                )
            )

        screen.run_project(change, done, description="mapping the speaker")

    screen.run_project(lambda: project.transcript_speakers(name), listed, description="reading the speakers")


def _row_label(row) -> Text:
    who = "interviewer" if row.interviewer else (row.participant or "no participant")
    turns = f"{row.turns} turn{'' if row.turns == 1 else 's'}"
    return Text.assemble(one_line(row.speaker), (f"  {turns} · {who}", "dim"))
