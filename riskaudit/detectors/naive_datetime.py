"""Naive datetimes: ``datetime.now()``/``utcnow()`` without a zone, and SQLAlchemy columns without one."""

from __future__ import annotations

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, call_name, dotted_name, keyword

_NAIVE_ALWAYS = frozenset({"utcnow", "today", "utcfromtimestamp"})
"""``datetime`` class methods that never take a zone."""
_DEFAULT_KEYWORDS = frozenset({"default", "onupdate", "default_factory", "insert_default"})
"""Keyword arguments whose value is called later to produce a stored value."""
_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
"""SQLAlchemy column constructors (any module prefix)."""
_DATETIME_TYPES = frozenset({"DateTime", "TIMESTAMP"})
"""SQLAlchemy types with a ``timezone`` flag that defaults to False."""
_LOCAL_USES = frozenset(
    {"strftime", "date", "time", "ctime", "timestamp", "timetuple", "toordinal", "isocalendar"}
    | {"year", "month", "day", "hour", "minute", "second", "weekday", "isoweekday"}
)
"""Uses of a local ``now()``/``today()`` that read it as local wall-clock time, which is correct."""


def _is_none(node: cst.BaseExpression) -> bool:
    """Whether an expression is the literal ``None``."""
    return isinstance(node, cst.Name) and node.value == "None"


def _literal_bool(node: cst.BaseExpression) -> bool | None:
    """True/False for the literals, None for any other expression."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _naive_type(node: cst.BaseExpression) -> bool:
    """Whether an expression is a ``DateTime``/``TIMESTAMP`` type without ``timezone=True``."""
    if isinstance(node, (cst.Name, cst.Attribute)):
        return dotted_name(node).rpartition(".")[2] in _DATETIME_TYPES
    if not isinstance(node, cst.Call) or call_name(node).rpartition(".")[2] not in _DATETIME_TYPES:
        return False
    flag = keyword(node, "timezone")
    if flag is None:
        positional = [arg for arg in node.args if arg.keyword is None]
        if any(arg.star for arg in node.args):
            return False
        return not positional or _literal_bool(positional[0].value) is False
    return _literal_bool(flag.value) is False


class NaiveDatetime(Detector):
    """Finds naive datetimes: zone-less ``now()``/``today()``/``utcnow()`` and zone-less DateTime columns.

    Resolves ``datetime`` through ``import datetime [as x]`` and ``from datetime import datetime [as y]``;
    a ``datetime`` name imported from another library (pendulum, arrow) is left alone. ``date.today()``
    is not reported: a date has no zone. A naive ``now()`` that is made aware on the spot
    (``.astimezone()``, ``utcnow().replace(tzinfo=...)``, ``tz.localize(...)``) or only read as local
    wall-clock time (``.strftime()``, an f-string format spec, ``.date()``, ``.time()``, ``.year``,
    ``.timestamp()``) is not reported either; ``now().replace(tzinfo=...)`` is, as it mislabels
    local time unless the zone is the local one.
    Column types are checked where they are declared: arguments of ``Column``/``mapped_column`` and
    the ``datetime`` entry of a ``type_annotation_map``.
    """

    RULE = "RA501"
    CODE = "naive-datetime"
    MESSAGE = "naive datetime: `{what}` carries no time zone"
    RELABEL_MESSAGE = (
        "naive datetime: `{what}` is local wall-clock time; .replace(tzinfo=...) labels it with a zone "
        "without converting it (use datetime.now(tz))"
    )
    SCOPE = "source"
    # sound: now()/defaults/map keys need `datetime` (an alias's import names it), columns DateTime/TIMESTAMP
    TRIGGERS = ("datetime", "DateTime", "TIMESTAMP")
    VALID = (
        "from datetime import datetime, timezone\nstamp = datetime.now(timezone.utc)\n",
        "from datetime import UTC, datetime\nstamp = datetime.now(tz=UTC)\n",
        "import datetime\nfrom zoneinfo import ZoneInfo\nstamp = datetime.datetime.now(ZoneInfo('Europe/Paris'))\n",
        "from sqlalchemy import Column, DateTime\ncreated = Column(DateTime(timezone=True))\n",
        "from datetime import datetime, timezone\nfrom sqlalchemy import Column, DateTime\n"
        "created = Column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))\n",
        "def now() -> int:\n    return 1\nvalue = now()\n",
        "from datetime import date\ntoday = date.today()\n",
        "import datetime\ntoday = datetime.date.today()\n",
        "import pendulum\nfrom pendulum import datetime\nstamp = pendulum.now()\n",
        "from datetime import datetime, timezone\nstamp = datetime.utcnow().replace(tzinfo=timezone.utc)\n",
        "from datetime import datetime\nlocal = datetime.now().astimezone()\n",
        "from datetime import datetime\nname = f\"backup-{datetime.now().strftime('%Y%m%d')}.tar\"\n",
        "from datetime import datetime\nyear = datetime.now().year\n",
        "from datetime import datetime\nclock = datetime.now().time().strftime('%X')\n",
        "import datetime\nline = f\"time: {datetime.datetime.now():%Y-%m-%d %H:%M:%S}\"\n",
        "import pytz\nfrom datetime import datetime\nstamp = pytz.utc.localize(datetime.utcnow())\n",
        "import sqlalchemy as sa\ncreated = sa.Column(sa.DateTime(True))\n",
        "from sqlalchemy import DateTime, TypeDecorator\nclass UTCDateTime(TypeDecorator):\n    impl = DateTime\n",
        Example("from datetime import datetime\nstamp = datetime.utcnow()\n", path="tests/test_clock.py"),
        # naive UTC by convention: the file's columns default to a UTC clock that returns naive values
        "from oslo_utils import timeutils\nfrom sqlalchemy import Column, DateTime\n"
        "created = Column(DateTime, default=lambda: timeutils.utcnow().replace(microsecond=0))\n"
        "deleted = Column(DateTime)\n",
        "from sqlalchemy import Column, DateTime\nfrom .utils import utcnow\n"
        "created = Column(DateTime, default=utcnow)\n",
    )
    INVALID = (
        Example("from datetime import datetime\nstamp = datetime.now()\n", line=2),
        Example("from datetime import datetime\nstamp = datetime.utcnow()\n", line=2),
        Example("import datetime\nstamp = datetime.datetime.today()\n", line=2),
        Example("import datetime as dt\nstamp = dt.datetime.now(tz=None)\n", line=2),
        Example("from datetime import datetime as DT\nstamp = DT.utcfromtimestamp(0)\n", line=2),
        Example("from datetime import datetime\nstamp = datetime.utcnow().timestamp()\n", line=2),
        Example("from datetime import datetime\nstamp = datetime.utcfromtimestamp(0).astimezone()\n", line=2),
        Example(
            "from datetime import datetime, timezone\nstamp = datetime.now().replace(tzinfo=timezone.utc)\n", line=2
        ),
        Example(
            "import datetime\ndef expiry(counter):\n"
            "    return (counter['expireAt'] if counter else datetime.datetime.now()).replace(tzinfo=datetime.UTC)\n",
            line=3,
        ),
        Example("from sqlalchemy import Column, DateTime\ncreated = Column(DateTime)\n", line=2),
        # an aware column defaulting to the project's utcnow: the naive one beside it is the odd one out
        Example(
            "from sqlalchemy import Column, DateTime\nfrom .clock import utcnow\n"
            "created = Column(DateTime(timezone=True), default=utcnow)\nseen = Column(DateTime)\n",
            line=4,
        ),
        Example("import sqlalchemy as sa\ncreated = sa.Column('created', sa.DateTime(), nullable=False)\n", line=2),
        Example(
            "from sqlalchemy import DateTime\nfrom sqlalchemy.orm import mapped_column\n"
            "created = mapped_column(\n    DateTime(timezone=False),\n)\n",
            line=4,
        ),
        Example(
            "from datetime import datetime, timezone\nfrom sqlalchemy import Column, DateTime\n"
            "created = Column(DateTime(timezone=True), default=datetime.utcnow)\n",
            line=3,
        ),
        Example(
            "import datetime\nfrom sqlalchemy import Column, DateTime\n"
            "updated = Column(DateTime(timezone=True), onupdate=datetime.datetime.now)\n",
            line=3,
        ),
        Example(
            "import datetime\nfrom sqlalchemy import DateTime\nfrom sqlalchemy.orm import DeclarativeBase\n"
            "class Base(DeclarativeBase):\n    type_annotation_map = {datetime.datetime: DateTime()}\n",
            line=5,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        """Start on one file with empty state."""
        super().__init__(context)
        self._classes = {"datetime"}
        self._modules = {"datetime"}
        self._exempt: set[int] = set()
        self._relabelled: set[int] = set()
        self._naive_columns: list[cst.BaseExpression] = []
        self._utc_convention = False

    def visit_Import(self, node: cst.Import) -> None:
        """Remember ``import datetime as dt``."""
        for alias in node.names:
            if dotted_name(alias.name) == "datetime" and alias.asname and isinstance(alias.asname.name, cst.Name):
                self._modules.add(alias.asname.name.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Remember ``from datetime import datetime as DT``; forget ``datetime`` taken from another library."""
        if isinstance(node.names, cst.ImportStar) or node.relative:
            return
        from_datetime = node.module is not None and dotted_name(node.module) == "datetime"
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else ""
            if from_datetime and alias.name.value == "datetime":
                self._classes.add(bound or "datetime")
            elif (bound or alias.name.value) == "datetime":
                self._classes.discard("datetime")
                self._modules.discard("datetime")

    def _datetime_method(self, node: cst.BaseExpression) -> str:
        """``now``/``utcnow``/... when node is ``<datetime class>.<method>``; empty otherwise."""
        if not isinstance(node, cst.Attribute):
            return ""
        owner = dotted_name(node.value)
        module, _, name = owner.rpartition(".")
        if (not module and name in self._classes) or (module in self._modules and name == "datetime"):
            return node.attr.value
        return ""

    def _naive_call(self, node: cst.BaseExpression) -> str:
        """The method name when node is a call that returns a naive datetime; empty otherwise."""
        if not isinstance(node, cst.Call):
            return ""
        method = self._datetime_method(node.func)
        if method in _NAIVE_ALWAYS:
            return method
        if method != "now" or any(arg.star for arg in node.args):
            return ""
        zone = keyword(node, "tz")
        if zone is None:
            zone = next((arg for arg in node.args if arg.keyword is None), None)
        return method if zone is None or _is_none(zone.value) else ""

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Exempt a local ``now()`` that is only read as wall-clock time (``.strftime``, ``.year``...)."""
        method = self._naive_call(node.value)
        if method in ("now", "today") and node.attr.value in _LOCAL_USES:
            self._exempt.add(id(node.value))
        elif method in ("now", "today") and node.attr.value == "astimezone":
            self._exempt.add(id(node.value))

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        """Exempt a local ``now()`` formatted for display in an f-string (``f"{datetime.now():%H:%M}"``)."""
        if node.format_spec and self._naive_call(node.expression) in ("now", "today"):
            self._exempt.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        """Zone-less ``now()``, zone-less column types and uncalled ``datetime.now`` defaults."""
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "replace" and keyword(node, "tzinfo"):
            if self._naive_call(func.value) in ("now", "today"):
                self._relabelled.add(id(func.value))
            else:
                self._exempt.add(id(func.value))
        if isinstance(func, cst.Attribute) and func.attr.value == "localize":
            self._exempt.update(id(arg.value) for arg in node.args)
        method = self._naive_call(node)
        if method and id(node) in self._relabelled:
            self.report(node, self.RELABEL_MESSAGE.format(what=f"datetime.{method}()"))
        elif method and id(node) not in self._exempt:
            self.report(node, self.MESSAGE.format(what=f"datetime.{method}()"))
        if call_name(node).rpartition(".")[2] in _COLUMN_CALLS:
            self._check_column(node)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS:
                method = self._datetime_method(arg.value)
                if method in _NAIVE_ALWAYS or method == "now":
                    self.report(arg.value, self.MESSAGE.format(what=f"{arg.keyword.value}=datetime.{method}"))

    def _check_column(self, node: cst.Call) -> None:
        """Note a naive DateTime/TIMESTAMP type given to a column; reported at the end of the file.

        A naive column whose ``default``/``onupdate`` is a project's or a library's ``utcnow`` (oslo's
        ``timeutils.utcnow``), called by a lambda or not, shows the file's naive-UTC convention: its naive
        columns are then not reported (an aware column with such a default shows the opposite).
        ``datetime``'s own ``utcnow`` is no convention: that column and its default are both reported (one
        finding, merged).
        """
        naive = [
            arg.value for arg in node.args
            if (arg.keyword is None or arg.keyword.value == "type_") and not arg.star and _naive_type(arg.value)
        ]
        self._naive_columns += naive
        if naive and any(
            arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS and self._gives_utcnow(arg.value)
            for arg in node.args
        ):
            self._utc_convention = True

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report the naive columns, unless the file stores naive UTC by convention."""
        if not self._utc_convention:
            for column in self._naive_columns:
                self.report(column, self.MESSAGE.format(what="DateTime column without timezone=True"))

    def _gives_utcnow(self, value: cst.BaseExpression) -> bool:
        """Whether a default is a ``utcnow`` other than ``datetime``'s, or a lambda whose body starts with one."""
        if isinstance(value, cst.Lambda):
            value = value.body
            while isinstance(value, cst.Call):  # utcnow().replace(microsecond=0)
                func = value.func
                if call_name(value).rpartition(".")[2] == "utcnow":
                    return not self._datetime_method(func)
                value = func.value if isinstance(func, cst.Attribute) else func
            return False
        return dotted_name(value).rpartition(".")[2] == "utcnow" and not self._datetime_method(value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """``type_annotation_map = {datetime: DateTime()}``: every ``Mapped[datetime]`` column is naive."""
        key = dotted_name(node.key)
        module, _, name = key.rpartition(".")
        is_datetime = (not module and name in self._classes) or (module in self._modules and name == "datetime")
        if is_datetime and _naive_type(node.value):
            self.report(node.value, self.MESSAGE.format(what="DateTime mapping without timezone=True"))
