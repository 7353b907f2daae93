"""cstriage: guided triage for field service of scientific photonics instruments."""

__version__ = "0.1.0"
