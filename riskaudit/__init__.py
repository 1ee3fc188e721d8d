"""riskaudit: a pre-deploy risk audit for Python codebases.

It runs flake8, mypy, radon and coverage on a target project, maps their findings onto a
catalogue of production-risk rules, ranks them and renders a report that can gate CI.
"""

__version__ = "0.1.0"
