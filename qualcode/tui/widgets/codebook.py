"""The codebook pane: a ``Tree`` of codes with this coder's number of codings per code."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets.tree import TreeNode

from qualcode.records import CodeInfo
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserTree, plain, swatch


def code_label(code: CodeInfo, count: int) -> Text:
    """Colour, this coder's number of codings (first, so a narrow pane never hides it), name."""
    label = swatch(code.color)
    label.append(f"{count:>3} " if count else "  · ", style="bold" if count else "dim")
    label.append_text(plain(code.name))
    return label


class CodebookTree(UserTree):
    """Codes as a tree; the highlighted code is the one the coding keys apply."""

    DEFAULT_CSS = stylesheet(__file__, "codebook_tree.tcss")

    BINDINGS = [
        Binding(
            "enter,a",
            "screen.apply_code",
            "Apply",
            id="codebook.apply",
            tooltip="Apply the highlighted code to the current segment (or the selected span); double-click does too",
        ),
        Binding("down,j", "cursor_down", "Down", show=False, id="codebook.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="codebook.up"),
        Binding("space", "toggle_node", "Fold", show=False, id="codebook.fold", tooltip="Fold or unfold the sub-codes"),
        Binding("m", "screen.memo_code", "Memo", id="codebook.memo", tooltip="Write a memo on the highlighted code"),
        Binding(
            "plus,insert",
            "screen.add_code",
            "New",
            id="codebook.add",
            tooltip="Add a sub-code under the highlighted code",
        ),
        Binding("r", "screen.rename_code", "Rename", id="codebook.rename", tooltip="Rename the highlighted code"),
        Binding(
            "e",
            "screen.edit_code",
            "Edit",
            id="codebook.edit",
            tooltip="Edit the highlighted code's definition (description, include, exclude, example, keywords, colour)",
        ),
        Binding(
            "p",
            "screen.move_code",
            "Move",
            id="codebook.move",
            tooltip="Move the highlighted code under another parent",
        ),
        Binding(
            "M",
            "screen.merge_code",
            "Merge",
            id="codebook.merge",
            tooltip="Merge the highlighted code into another: its codings move there (every coder's)",
        ),
        Binding(
            "x",
            "screen.delete_code",
            "Delete",
            id="codebook.delete",
            tooltip="Delete the highlighted code (only when it has no codings: merge it otherwise)",
        ),
        Binding(
            "w",
            "screen.write_codebook",
            "Write YAML",
            show=False,
            id="codebook.write",
            tooltip="Write the codebook out as YAML (what `qualcode codebook update` reads)",
        ),
        Binding(
            "f",
            "screen.filter_code",
            "Filter",
            show=False,
            id="codebook.filter",
            tooltip="Show only the segments carrying the highlighted code",
        ),
    ]

    class Highlighted(Message):
        """The highlighted code changed (``key`` is None when nothing is highlighted)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    class ApplyRequested(Message):
        """A code was double-clicked: apply it to the current segment."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs) -> None:
        super().__init__(Text("Codebook"), **kwargs)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self._code_nodes: dict[str, TreeNode] = {}
        self._structure: tuple = ()
        self._label_room = -1  # the content width the cached lines' labels were cut to

    @property
    def highlighted_key(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node.data else None

    def set_codes(self, codes: list[CodeInfo], counts: dict[str, int]) -> None:
        """Show ``codes``; rebuilds only when the tree's shape changed, else relabels."""
        structure = tuple((c.key, c.parent_key, c.position) for c in codes)
        if structure == self._structure:
            for code in codes:
                node = self._code_nodes.get(code.key)
                if node is not None:
                    node.set_label(code_label(code, counts.get(code.key, 0)))
            return
        keep = self.highlighted_key
        collapsed = {key for key, node in self._code_nodes.items() if not node.is_expanded and node.children}
        self.clear()
        self._code_nodes = {}
        for code in codes:
            parent = self._code_nodes.get(code.parent_key) if code.parent_key else self.root
            node = (parent or self.root).add(
                code_label(code, counts.get(code.key, 0)), data=code.key, expand=code.key not in collapsed
            )
            self._code_nodes[code.key] = node
        for node in self._code_nodes.values():
            node.allow_expand = bool(node.children)
        self._structure = structure
        if keep and keep in self._code_nodes:
            self.select_key(keep)
        elif codes:
            self.call_after_refresh(self._first)

    def update_count(self, code: CodeInfo, count: int) -> None:
        node = self._code_nodes.get(code.key)
        if node is not None:
            node.set_label(code_label(code, count))

    def _first(self) -> None:
        if self.cursor_line < 0 and self.root.children:
            self.move_cursor(self.root.children[0])

    def select_key(self, key: str) -> None:
        node = self._code_nodes.get(key)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(lambda: self.move_cursor(node, animate=False))

    def render_lines(self, crop: Region) -> list[Strip]:
        # Tree caches drawn lines by the widget's width, but a scrollbar that appears after the
        # lines were drawn (the tree grew) narrows the room for labels without changing that width:
        # the cached labels would be cut by the scrollbar instead of ending in "…".
        room = self.scrollable_content_region.width
        if room != self._label_room:
            self._label_room = room
            self._invalidate()
        return super().render_lines(crop)

    def render_label(self, node, base_style, style) -> Text:
        """A name too long for the pane ends in "…" (i shows it whole) instead of being cut."""
        label = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room > 1 and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")
        return label

    def on_tree_node_highlighted(self, event: UserTree.NodeHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.node.data))

    def on_tree_node_selected(self, event: UserTree.NodeSelected) -> None:
        event.stop()  # a single click only highlights: applying a code takes a key or a double click

    def on_click(self, event: events.Click) -> None:
        # Tree's own click handler (which moves the cursor) runs too.
        if event.chain == 2 and self.highlighted_key:
            self.post_message(self.ApplyRequested(self.highlighted_key))
