"""Deterministic synthetic demo data for Lianzhou (county outline real, everything else made up)."""
