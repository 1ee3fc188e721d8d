"""Running things: tool subprocesses, safe interpreter launches, ``--untrusted`` isolation, git and worker pools."""
