"""The exception tree: every error riskaudit reports to the user as one line."""


class RiskauditError(Exception):
    """Base of every error that ends a run with a one-line message and exit code 2."""


class CatalogueError(RiskauditError):
    """A rule file is missing, unreadable or invalid."""


class TargetError(RiskauditError):
    """The path to scan does not exist or holds nothing to analyse."""


class ResultsError(RiskauditError):
    """A saved results file cannot be read back."""


class UsageError(RiskauditError):
    """A command-line option has a bad value."""


class ConfigError(RiskauditError):
    """The target's ``[tool.riskaudit]`` configuration is invalid."""
