"""Checks: pure functions over GeoDataFrames and prepared layers."""
