"""Extraction attacks: one module per technique, each a function of an oracle."""
