"""What the environment, not the code, decides: the project's Python version, its interpreters and packages."""

FIX_DEPENDENCIES = "install the project's dependencies in the interpreter you pass with --python"
"""The fix for packages and plugins the environment lacks."""
