"""Pane widgets of the workbench, with the modals each one opens beside it."""
