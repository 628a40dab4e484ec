"""Consumption by zone, period and drawn area: parameters, one-query SQL, API, CSV/XLSX files."""
