"""Analysis several detectors share: models of a file they read, not detectors themselves.

The registry (``riskaudit.detectors.ALL_DETECTORS``) does not look in this package.
"""
