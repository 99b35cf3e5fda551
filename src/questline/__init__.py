"""Questline: a self-hostable gamification engine."""

__version__ = "0.1.0"
