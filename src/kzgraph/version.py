"""The version of kzgraph (also in pyproject.toml), in a module of its own so that any module
may read it without importing the package's facade."""

__version__ = "1.0.0"
