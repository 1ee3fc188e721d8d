"""Missing await: a project coroutine function called as a bare statement, never awaited."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, dotted_name


class MissingAwait(Detector):
    """Finds calls to the project's own ``async def`` functions and methods whose coroutine is dropped.

    Resolution: functions of the same module by name, functions imported by name or through their
    module (``from app.db import close``, ``import app.db as db``), and methods through
    ``self``/``cls`` on the enclosing class and its project base classes. Only bare expression
    statements are reported: an awaited, returned, stored or scheduled coroutine is fine.
    Works on code mypy does not check (untyped functions, ``ignore_errors`` modules).
    """

    RULE = "RA101"
    CODE = "missing-await"
    MESSAGE = "coroutine of `{name}` is created but never awaited: its body never runs"
    SCOPE = "all"
    # sound: callees resolve via an import, an `async def` of this module, or self/cls (names, not attributes)
    TRIGGERS = ("import", "async", "self", "cls")
    VALID = (
        "async def ping() -> None: ...\nasync def main() -> None:\n    await ping()\n",
        "import asyncio\nasync def ping() -> None: ...\nasync def main() -> None:\n"
        "    task = asyncio.create_task(ping())\n    await task\n",
        "import asyncio\nasync def ping() -> None: ...\nasync def main() -> None:\n"
        "    await asyncio.gather(ping(), ping())\n",
        "async def ping() -> None: ...\ndef later():\n    return ping()\n",
        "def ping() -> None: ...\nasync def main() -> None:\n    ping()\n",
        "class Repo:\n    async def save(self) -> None: ...\n    def sync(self) -> None: ...\n"
        "    async def run(self) -> None:\n        self.sync()\n        await self.save()\n",
        "async def ping() -> None: ...\nasync def main(tg) -> None:\n    tg.create_task(ping())\n",
    )
    INVALID = (
        Example("async def ping() -> None: ...\nasync def main() -> None:\n    ping()\n", line=3),
        Example(
            "class Repo:\n    async def save(self) -> None: ...\n    async def run(self):\n        self.save()\n",
            line=4,
        ),
        Example(
            "class Base:\n    async def close(self) -> None: ...\nclass Repo(Base):\n"
            "    def shutdown(self):\n        self.close()\n",
            line=5,
        ),
        Example("async def dispose() -> None: ...\ndef stop():\n    dispose()\n", line=3),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._imports: dict[str, tuple[str, str]] = {}
        self._module_aliases: dict[str, str] = {}
        self._classes: list[str] = []

    def visit_Import(self, node: cst.Import) -> None:
        """Remember ``import a.b as c`` aliases of project modules."""
        for alias in node.names:
            module = dotted_name(alias.name)
            bound = alias.asname.name if alias.asname and isinstance(alias.asname.name, cst.Name) else None
            if bound is not None:
                self._module_aliases[bound.value] = module
            else:
                self._module_aliases[module] = module

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Remember names imported from project modules (relative imports resolved)."""
        if isinstance(node.names, cst.ImportStar):
            return
        base = self._absolute(node)
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            name = alias.name.value
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            self._imports[bound] = (base, name)
            self._module_aliases[bound] = f"{base}.{name}" if base else name

    def _absolute(self, node: cst.ImportFrom) -> str:
        """The absolute module an ImportFrom reads from."""
        module = dotted_name(node.module) if node.module is not None else ""
        if not node.relative:
            return module
        package = self.context.module.split(".")
        if not self.context.path.endswith("__init__.py"):
            package = package[:-1]
        depth = len(node.relative) - 1
        package = package[: len(package) - depth] if depth else package
        return ".".join([*package, module] if module else package)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class: ``self.method()`` now resolves against it."""
        self._classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._classes.pop()

    def visit_Expr(self, node: cst.Expr) -> None:
        """A bare expression statement: report it when it calls a project coroutine function."""
        if isinstance(node.value, cst.Call):
            name = self._coroutine_name(node.value.func)
            if name:
                self.report(node.value, self.MESSAGE.format(name=name))

    def _coroutine_name(self, func: cst.BaseExpression) -> str:
        """The called coroutine function's display name, or empty when it is not one."""
        project = self.context.project
        if isinstance(func, cst.Name):
            name = func.value
            if name in self._imports:
                module, original = self._imports[name]
                return name if original in project.async_functions.get(module, frozenset()) else ""
            return name if name in project.async_functions.get(self.context.module, frozenset()) else ""
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner, attr = func.value.value, func.attr.value
            if owner in ("self", "cls") and self._classes:
                methods = project.async_methods.get(f"{self.context.module}.{self._classes[-1]}", frozenset())
                return f"{owner}.{attr}" if attr in methods else ""
            module = self._module_aliases.get(owner, "")
            if module and attr in project.async_functions.get(module, frozenset()):
                return f"{owner}.{attr}"
        return ""
