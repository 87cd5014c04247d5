"""The footer: the keys that matter in the focused pane, on one line.

Textual's ``Footer`` builds a widget per key and rebuilds them on every focus change, which cost
more than the rest of the workbench's start-up together; this draws the same keys as one line of
text. A click on a key presses it.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from qualcode.tui.styles import stylesheet


class KeyBar(Widget):
    DEFAULT_CSS = stylesheet(__file__, "key_bar.tcss")
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        desc_style = self.get_component_rich_style("keybar--description", partial=True)
        disabled = self.get_component_rich_style("keybar--disabled", partial=True)
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        seen: set[str] = set()
        palette = None
        # A screen in a mode (span selection) may keep its footer to the keys of that mode.
        hides = getattr(self.screen, "footer_hides", None) or (lambda binding: False)
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = (key, binding)
                continue
            if not binding.show or binding.action in seen or hides(binding):
                continue
            seen.add(binding.action)
            click = Style(meta={"@click": f"app.simulate_key({key!r})"})
            out.append(f" {self.app.get_key_display(binding)} ", style=(disabled if not enabled else key_style) + click)
            out.append(f"{binding.description} ", style=(disabled if not enabled else desc_style) + click)
        if palette is not None:
            key, binding = palette
            tail = Text(end="")
            tail.append(
                f" {self.app.get_key_display(binding)} ",
                style=key_style + Style(meta={"@click": f"app.simulate_key({key!r})"}),
            )
            tail.append("palette ", style=desc_style)
            room = self.size.width - tail.cell_len
            out.truncate(max(0, room), overflow="ellipsis", pad=True)
            out.append_text(tail)
        return out
