"""qualcode: qualitative interview coding in the terminal."""

__version__ = "0.1.0"
