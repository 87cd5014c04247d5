"""The footer: the keys that matter in the focused pane, on one line.

Textual's ``Footer`` builds a widget per key and rebuilds them on every focus change, which cost
more than the rest of the workbench's start-up together; this draws the same keys as one line of
text. A click on a key presses it.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from qualcode.tui.keys import browser_alternative
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
        items: list[Text] = []
        seen: set[str] = set()
        palette = None
        other_palette = None
        help_item: Text | None = None
        # A screen in a mode (span selection) may keep its footer to the keys of that mode.
        hides = getattr(self.screen, "footer_hides", None) or (lambda binding: False)
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = (key, binding)
                continue
            if binding.action in ("command_palette", "app.command_palette"):
                other_palette = (key, binding)  # the key the browser help offers instead
                continue
            if not binding.show or binding.action in seen or hides(binding):
                continue
            seen.add(binding.action)
            click = Style(meta={"@click": f"app.simulate_key({key!r})"})
            item = Text(end="")
            item.append(
                f" {self.app.get_key_display(binding)} ", style=(disabled if not enabled else key_style) + click
            )
            item.append(f"{binding.description} ", style=(disabled if not enabled else desc_style) + click)
            if binding.action == "help":
                help_item = item  # kept at the end with the palette, however narrow the terminal
            else:
                items.append(item)
        tail = Text(end="")
        if help_item is not None:
            tail.append_text(help_item)
        # The palette's key: Ctrl+P, or where a browser may keep Ctrl+P (it prints the page) or
        # the app binds another key instead (``qualcode serve`` binds ":"), that other key.
        if other_palette is not None and (palette is None or browser_alternative(self.app, palette[0])):
            palette = other_palette
        if palette is not None:
            key, binding = palette
            tail.append(
                f" {self.app.get_key_display(binding)} ",
                style=key_style + Style(meta={"@click": f"app.simulate_key({key!r})"}),
            )
            tail.append("palette ", style=desc_style)
        # Whole keys only, as many as fit: a label cut in the middle ("Find cod…") reads as a
        # different word. The rest are in ? and the palette.
        out = Text(no_wrap=True, end="")
        room = self.size.width - tail.cell_len
        for item in items:
            if out.cell_len + item.cell_len > room:
                break
            out.append_text(item)
        out.append(" " * max(0, room - out.cell_len))
        out.append_text(tail)
        return out
