"""A module."""

VALUE = 1
