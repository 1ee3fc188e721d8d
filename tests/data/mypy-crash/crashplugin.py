"""A mypy plugin whose entry point raises: mypy stops with an INTERNAL ERROR."""


def plugin(version: str) -> None:
    """Fail on purpose."""
    raise RuntimeError("plugin exploded on purpose")
