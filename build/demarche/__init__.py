"""Demarche: an archive of political statements, built into a static site."""

__version__ = "0.1.0"
