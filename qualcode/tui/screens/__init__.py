"""Screens of the workbench: thin, routing messages between the pane widgets."""
