"""Defaults evaluated once: ``default=datetime.now()`` or ``uuid4()`` in a column, field or model attribute."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.analysis.coroutine_calls import ReadsCoroutineCalls
from riskaudit.detectors.base import Example, FileContext, dotted_name

VOLATILE = frozenset(
    {"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
     "datetime.now", "datetime.utcnow", "datetime.today", "date.today",
     "time.time", "time.time_ns", "time.monotonic",
     "uuid.uuid1", "uuid.uuid4", "uuid.uuid7", "os.urandom", "secrets.token_hex", "secrets.token_urlsafe",
     "secrets.token_bytes", "random.random", "random.randint", "random.choice", "pendulum.now", "arrow.utcnow",
     "arrow.now", "ulid.new", "nanoid.generate", "django.utils.timezone.now"}
)
"""Calls whose value differs on every call: as a default computed once, every row or object shares one."""
DEFAULT_KEYWORDS = frozenset({"default", "insert_default", "onupdate"})
"""Keywords of column and field constructors that take a value (or a callable called per row)."""
FIELD_CALLS = frozenset({"Column", "mapped_column", "Field", "field", "attrib", "ib", "column_property"})
"""Last names of the column and field constructors."""
MODEL_BASES = frozenset({"BaseModel", "SQLModel", "BaseSettings", "Struct", "TypedDict"})
"""Base classes whose class-level assignments are per-instance defaults."""
MODEL_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "define", "frozen", "attr.s", "attrs.define",
                              "mutable", "pydantic.dataclasses.dataclass"})
"""Class decorators that make class-level assignments per-instance defaults."""


class DefaultOnce(ReadsCoroutineCalls):
    """Finds volatile values computed once where a callable was meant.

    ``Column(default=datetime.now(timezone.utc))``, ``mapped_column(default=uuid4())``,
    ``Field(default=datetime.utcnow())``, ``field(default=uuid4())``, any field declared in a class body
    with such a ``default=`` (``ormar.UUID(default=uuid.uuid4())``) and, in a dataclass, attrs or
    Pydantic/SQLModel class, ``created: datetime = datetime.now()``. Silent: the callable itself
    (``default=datetime.now``, ``default_factory=uuid4``, a lambda), SQL functions evaluated by the database
    (``server_default=func.now()``, ``default=func.now()``), and constants.
    """

    RULE = "RA514"
    CODE = "default-evaluated-once"
    MESSAGE = (
        "`{value}()` is evaluated once, when the module is imported: every {what} created afterwards gets the "
        "same value; pass the callable (`{value}` or a lambda / default_factory)"
    )
    SCOPE = "source"
    TRIGGERS = ("now", "today", "uuid", "time", "urandom", "token_", "random", "ulid", "nanoid")
    VALID = (
        "from datetime import datetime\nfrom sqlalchemy import Column, DateTime\n"
        "created = Column(DateTime, default=datetime.now)\n",
        "from uuid import uuid4\nfrom pydantic import BaseModel, Field\nclass Item(BaseModel):\n"
        "    id: str = Field(default_factory=lambda: str(uuid4()))\n",
        "from sqlalchemy import Column, DateTime, func\ncreated = Column(DateTime, server_default=func.now())\n",
        "from datetime import datetime\nclass Config:\n    started = datetime.now()\n",
        "from datetime import datetime\ndef stamp(at=None):\n    return at or datetime.now()\n",
    )
    INVALID = (
        Example(
            "from datetime import datetime, timezone\nfrom sqlalchemy.orm import mapped_column\n"
            "class Row:\n    created = mapped_column(default=datetime.now(timezone.utc))\n",
            line=4,
        ),
        Example("import uuid\nfrom sqlmodel import Field\nclass T:\n    id: str = Field(default=uuid.uuid4())\n",
                line=4),
        Example(
            "from dataclasses import dataclass\nfrom datetime import datetime\n@dataclass\nclass Event:\n"
            "    at: datetime = datetime.utcnow()\n",
            line=5,
        ),
        Example(
            "import uuid\nimport ormar\nclass Item(ormar.Model):\n"
            "    id: uuid.UUID = ormar.UUID(primary_key=True, default=uuid.uuid4())\n",
            line=4,
        ),
        Example(
            "import time\nfrom pydantic import BaseModel\nclass Job(BaseModel):\n    queued: float = time.time()\n",
            line=4,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._frames: list[str] = []
        """Each enclosing definition: ``model`` (a class whose assignments are instance defaults), ``class``
        or ``function``."""

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class: a dataclass, attrs or model class makes its assignments defaults."""
        bases = {dotted_name(base.value).rpartition(".")[2] for base in node.bases}
        decorators = {dotted_name(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
                      for d in node.decorators}
        self._frames.append("model" if bases & MODEL_BASES or decorators & MODEL_DECORATORS else "class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._frames.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: its annotated locals are not defaults (parameter defaults are bugbear B008's)."""
        self._frames.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._frames.pop()

    def visit_Call(self, node: cst.Call) -> None:
        """``Column(default=datetime.now())``, and any field of a class body with such a default.

        (``ormar.DateTime(default=...)``, ``models.DateTimeField(default=...)``.)
        """
        in_class_body = bool(self._frames) and self._frames[-1] != "function"
        if not in_class_body and dotted_name(node.func).rpartition(".")[2] not in FIELD_CALLS:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in DEFAULT_KEYWORDS:
                self._check(arg.value, "row" if "olumn" in dotted_name(node.func) else "object")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``at: datetime = datetime.now()`` in a dataclass or model class."""
        if self._frames and self._frames[-1] == "model" and node.value is not None:
            self._check(node.value, "instance")

    def _check(self, value: cst.BaseExpression, what: str) -> None:
        if isinstance(value, cst.Call):
            written = dotted_name(value.func)
            if written and self._calls.qualified(written) in VOLATILE:
                self.report(value, self.MESSAGE.format(value=written, what=what))
