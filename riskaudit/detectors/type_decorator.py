"""SQLAlchemy TypeDecorator conversions that raise inside a flush or hand back the wrong Python type."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from riskaudit.detectors.base import Detector, Example, FileContext, call_name, dotted_name, keyword

_BIND, _RESULT = "process_bind_param", "process_result_value"
_UUID_TYPES = frozenset({"UUID", "Uuid", "UUIDType", "GUID"})
"""Column types that store a UUID natively (any module prefix)."""
_STRING_TYPES = frozenset({"CHAR", "String", "VARCHAR", "Unicode", "NCHAR", "NVARCHAR"})
"""String column types: with length 36 they hold a textual UUID."""
_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "casefold", "replace", "format"})
"""str methods that return a str."""
_NOT_TYPE_ERROR = frozenset(
    {
        "ValueError",
        "KeyError",
        "IndexError",
        "LookupError",
        "AttributeError",
        "JSONDecodeError",
        "UnicodeError",
        "UnicodeEncodeError",
        "UnicodeDecodeError",
        "OverflowError",
        "RecursionError",
        "StatementError",
    }
)
"""Exceptions that do not catch the TypeError json.dumps raises for an unknown type."""


@dataclass
class _Class:
    """A class being visited."""

    name: str
    is_type_decorator: bool
    uuid_signal: bool = False
    declares_str: bool = False
    str_results: list[cst.CSTNode] = field(default_factory=list)


@dataclass
class _Function:
    """A function being visited, and what it is within its TypeDecorator."""

    kind: str
    """``process_bind_param``, ``process_result_value``, ``python_type`` or empty."""
    protected: int = 0
    """Depth of ``try`` bodies whose handlers catch TypeError."""
    str_names: dict[str, cst.CSTNode] = field(default_factory=dict)
    """Local names currently holding ``str(...)``, with the call that made them."""


def _catches_type_error(handler: cst.ExceptHandler) -> bool:
    """Whether an except clause catches TypeError (bare, Exception, or a name not known to miss it)."""
    if handler.type is None:
        return True
    kinds = [el.value for el in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    return any(dotted_name(kind).rpartition(".")[2] not in _NOT_TYPE_ERROR for kind in kinds)


def _is_str_call(node: cst.BaseExpression | None) -> bool:
    """Whether node builds a str: ``str(x)``, a str method on one (``str(x).strip()``), an f-string."""
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
        return True
    if not isinstance(node, cst.Call):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value in _STR_METHODS:
        return _is_str_call(node.func.value)
    return call_name(node) == "str" and len(node.args) >= 1


def _uuid_impl(node: cst.BaseExpression) -> bool:
    """Whether an ``impl = ...`` value stores a UUID: a UUID type, or a 36-character string type."""
    if isinstance(node, (cst.Name, cst.Attribute)):
        return dotted_name(node).rpartition(".")[2] in _UUID_TYPES
    if not isinstance(node, cst.Call):
        return False
    name = call_name(node).rpartition(".")[2]
    if name in _UUID_TYPES:
        as_uuid = keyword(node, "as_uuid")
        return not (as_uuid and isinstance(as_uuid.value, cst.Name) and as_uuid.value.value == "False")
    first = next((arg.value for arg in node.args if arg.keyword is None), None)
    length = keyword(node, "length")
    size = length.value if length is not None else first
    return name in _STRING_TYPES and isinstance(size, cst.Integer) and size.value == "36"


class TypeDecoratorConversion(Detector):
    """Finds unsafe conversions in SQLAlchemy ``TypeDecorator`` subclasses.

    A class is a TypeDecorator when a base's last dotted part is ``TypeDecorator`` (also generic,
    ``TypeDecorator[uuid.UUID]``) or names a TypeDecorator class of the same file. In
    ``process_bind_param`` a ``json.dumps`` call without ``default=``/``cls=``/``**kwargs`` outside a
    ``try`` that catches TypeError is reported. In ``process_result_value`` a returned str
    (``str(...)``, a str method on it, an f-string; directly or through a local assigned from it) is
    reported when the class looks like a UUID type: its name contains UUID/GUID, its ``impl`` is a
    UUID type or a 36-character string, or ``python_type`` returns ``uuid.UUID``; never when
    ``python_type`` returns ``str``.
    """

    RULE = "RA502"
    CODE = "type-decorator"
    MESSAGE = "TypeDecorator conversion is unsafe"
    JSON_MESSAGE = (
        "json.dumps() in process_bind_param without default=/cls=: serialisation of a non-JSON value "
        "(datetime, Decimal, UUID, set) raises TypeError inside the flush"
    )
    UUID_MESSAGE = (
        "process_result_value returns str where the type declares a UUID: "
        "callers comparing with uuid.UUID get False"
    )
    SCOPE = "source"
    # sound: findings come only from (functions nested in) methods named process_bind_param/process_result_value
    TRIGGERS = ("process_bind_param", "process_result_value")
    VALID = (
        "import json\nfrom sqlalchemy.types import TypeDecorator, Text\nclass J(TypeDecorator):\n    impl = Text\n"
        "    def process_bind_param(self, value, dialect):\n        try:\n            return json.dumps(value)\n"
        "        except TypeError as exc:\n            raise ValueError(str(exc)) from exc\n",
        "import json\nfrom sqlalchemy.types import TypeDecorator\nclass J(TypeDecorator):\n"
        "    def process_bind_param(self, value, dialect):\n        return json.dumps(value, default=str)\n",
        "import json\nfrom sqlalchemy.types import TypeDecorator\nclass J(TypeDecorator):\n"
        "    def process_bind_param(self, value, dialect):\n        return json.dumps(value, cls=MyEncoder)\n",
        "import json\nfrom sqlalchemy.types import TypeDecorator\nclass J(TypeDecorator):\n"
        "    def process_bind_param(self, value, dialect):\n        return json.dumps(value, **self.options)\n",
        "import uuid\nimport sqlalchemy as sa\nclass GUID(sa.types.TypeDecorator):\n    impl = sa.CHAR(36)\n"
        "    def process_result_value(self, value, dialect):\n        return uuid.UUID(value)\n",
        "import json\nclass Codec:\n    def process_bind_param(self, value, dialect):\n"
        "        return json.dumps(value)\n"
        "    def process_result_value(self, value, dialect):\n        return str(value)\n",
        "from sqlalchemy.types import TypeDecorator, String\nclass UUIDString(TypeDecorator):\n"
        "    impl = String(36)\n    @property\n    def python_type(self):\n        return str\n"
        "    def process_result_value(self, value, dialect):\n        return str(value)\n",
        "from sqlalchemy.types import TypeDecorator, String\nclass Slug(TypeDecorator):\n    impl = String(64)\n"
        "    def process_result_value(self, value, dialect):\n        return str(value)\n",
        "import json\nfrom sqlalchemy.types import TypeDecorator\nclass J(TypeDecorator):\n"
        "    def process_result_value(self, value, dialect):\n        return json.dumps(value)\n",
    )
    INVALID = (
        Example(
            "import json\nimport sqlalchemy as sa\nclass JSONEncoded(sa.types.TypeDecorator):\n    impl = sa.Text\n"
            "    def process_bind_param(self, value, dialect):\n        if value is None:\n            return None\n"
            "        return json.dumps(value)\n",
            line=8,
        ),
        Example(
            "from json import dumps\nfrom sqlalchemy.types import TypeDecorator\nclass J(TypeDecorator):\n"
            "    def process_bind_param(self, value, dialect):\n        try:\n            pass\n"
            "        except ValueError:\n            pass\n        return dumps(value, sort_keys=True)\n",
            line=9,
        ),
        Example(
            "import json\nfrom typing import Any\nfrom sqlalchemy.types import TypeDecorator\n"
            "class Doc(TypeDecorator[dict[str, Any]]):\n    def process_bind_param(self, value, dialect):\n"
            "        return json.dumps(value)\n",
            line=6,
        ),
        Example(
            "import uuid\nfrom sqlalchemy.types import CHAR, TypeDecorator\nclass GUID(TypeDecorator):\n"
            "    impl = CHAR(36)\n    def process_result_value(self, value, dialect):\n        if value is None:\n"
            "            return value\n        return str(value)\n",
            line=8,
        ),
        Example(
            "import uuid\nfrom sqlalchemy.types import TypeDecorator, String\nclass Identifier(TypeDecorator):\n"
            "    def process_result_value(self, value, dialect):\n        value = str(value)\n        return value\n"
            "    impl = String(length=36)\n",
            line=5,
        ),
        Example(
            "import uuid\nfrom sqlalchemy.types import TypeDecorator, Text\nclass Base(TypeDecorator):\n"
            "    impl = Text\nclass Ref(Base):\n    @property\n    def python_type(self):\n        return uuid.UUID\n"
            "    def process_result_value(self, value, dialect):\n        return str(value) if value else None\n",
            line=10,
        ),
    )

    def __init__(self, context: FileContext) -> None:
        """Start on one file with empty state."""
        super().__init__(context)
        self._json_modules = {"json"}
        self._dumps_names: set[str] = set()
        self._type_decorators: set[str] = set()
        self._scopes: list[_Class | _Function] = []

    def visit_Import(self, node: cst.Import) -> None:
        """Remember ``import json as j``."""
        for alias in node.names:
            if dotted_name(alias.name) == "json" and alias.asname and isinstance(alias.asname.name, cst.Name):
                self._json_modules.add(alias.asname.name.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Remember ``from json import dumps [as d]``."""
        if node.module is None or dotted_name(node.module) != "json" or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "dumps":
                bound = alias.asname.name if alias.asname else alias.name
                if isinstance(bound, cst.Name):
                    self._dumps_names.add(bound.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Enter a class; note whether it is a TypeDecorator and whether its name says UUID."""
        bases = {
            dotted_name(base.value.value if isinstance(base.value, cst.Subscript) else base.value).rpartition(".")[2]
            for base in node.bases
            if base.keyword is None
        }
        is_td = "TypeDecorator" in bases or bool(bases & self._type_decorators)
        if is_td:
            self._type_decorators.add(node.name.value)
        upper = node.name.value.upper()
        uuid_name = ("UUID" in upper or "GUID" in upper) and "STR" not in upper and "TEXT" not in upper
        self._scopes.append(_Class(node.name.value, is_td, uuid_signal=uuid_name))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class: report its str-returning result conversions if it is a UUID type."""
        scope = self._scopes.pop()
        if isinstance(scope, _Class) and scope.uuid_signal and not scope.declares_str:
            for node in scope.str_results:
                self.report(node, self.UUID_MESSAGE)

    def _class(self) -> _Class | None:
        """The TypeDecorator class whose body directly holds the current scope, if any."""
        if self._scopes and isinstance(self._scopes[-1], _Class) and self._scopes[-1].is_type_decorator:
            return self._scopes[-1]
        return None

    def _function(self) -> _Function | None:
        """The innermost function being visited."""
        return self._scopes[-1] if self._scopes and isinstance(self._scopes[-1], _Function) else None

    def _owner(self) -> _Class | None:
        """The TypeDecorator class that owns the current method (one level up)."""
        if len(self._scopes) >= 2 and isinstance(self._scopes[-2], _Class) and self._scopes[-2].is_type_decorator:
            return self._scopes[-2]
        return None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a function: a conversion method of a TypeDecorator, a helper nested in one, or other."""
        outer = self._function()
        kind = ""
        if self._class() is not None and node.name.value in (_BIND, _RESULT, "python_type"):
            kind = node.name.value
        elif outer is not None and outer.kind == _BIND:
            kind = _BIND
        self._scopes.append(_Function(kind))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._scopes.pop()

    def visit_Try_body(self, node: cst.Try) -> None:
        """A ``try`` body whose handlers catch TypeError protects the conversions in it."""
        function = self._function()
        if function is not None and any(_catches_type_error(handler) for handler in node.handlers):
            function.protected += 1

    def leave_Try_body(self, node: cst.Try) -> None:
        """Leave the protected body."""
        function = self._function()
        if function is not None and any(_catches_type_error(handler) for handler in node.handlers):
            function.protected -= 1

    def visit_Call(self, node: cst.Call) -> None:
        """``json.dumps(value)`` in process_bind_param, unprotected and without an encoder."""
        function = self._function()
        if function is None or function.kind != _BIND or function.protected:
            return
        module, _, name = call_name(node).rpartition(".")
        is_dumps = (module in self._json_modules and name == "dumps") or (not module and name in self._dumps_names)
        if not is_dumps or any(arg.star == "**" for arg in node.args):
            return
        if keyword(node, "default") is None and keyword(node, "cls") is None:
            self.report(node, self.JSON_MESSAGE)

    def visit_Assign(self, node: cst.Assign) -> None:
        """Class-level ``impl = ...``; ``name = str(...)`` in process_result_value."""
        owner = self._class()
        if owner is not None:
            if any(dotted_name(t.target) == "impl" for t in node.targets) and _uuid_impl(node.value):
                owner.uuid_signal = True
            return
        function = self._function()
        if function is None or function.kind != _RESULT:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if _is_str_call(node.value):
                    function.str_names[target.target.value] = node.value
                else:
                    function.str_names.pop(target.target.value, None)

    def visit_Return(self, node: cst.Return) -> None:
        """A str returned from process_result_value; what python_type returns."""
        function, owner = self._function(), self._owner()
        if function is None or owner is None or node.value is None:
            return
        if function.kind == "python_type":
            returned = dotted_name(node.value)
            owner.uuid_signal |= returned in ("uuid.UUID", "UUID")
            owner.declares_str |= returned == "str"
        elif function.kind == _RESULT:
            values = [node.value.body, node.value.orelse] if isinstance(node.value, cst.IfExp) else [node.value]
            for value in values:
                if _is_str_call(value):
                    owner.str_results.append(value)
                elif isinstance(value, cst.Name) and value.value in function.str_names:
                    owner.str_results.append(function.str_names[value.value])
