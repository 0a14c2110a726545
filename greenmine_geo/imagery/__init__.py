"""Imagery: review of submitted images (and, next, vegetation indices, greening, restoration)."""
