"""Exports (tables, reports, REFI-QDA) and REFI-QDA import."""

REFI_SUFFIXES = (".qdpx", ".qde", ".qdc")
"""The file suffixes of REFI-QDA projects (.qdpx, .qde) and codebooks (.qdc)."""
