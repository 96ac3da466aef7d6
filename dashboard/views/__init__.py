"""Dashboard pages, one module each; each exposes ``render()``."""
