"""The stages of a scan, each with its own module; ``riskaudit.scan`` runs them in order.

discover (``riskaudit.discovery``) -> collect (``collect``) -> derive evidence (``derive``) -> map
(``riskaudit.mapping``) -> suppress (``riskaudit.suppressions``) -> scope (``scope``) -> rank
(``riskaudit.ranking``), then the report's view model (``riskaudit.report.view``).
"""
