"""Fil Rouge: one case file per customer problem, across every channel and team."""
