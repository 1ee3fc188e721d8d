"""riskaudit's own libcst detectors: risk patterns the wrapped tools cannot see.

One module per detector; ``registry.ALL_DETECTORS`` collects them. The framework: ``base`` (the
``Detector`` class and its helpers), ``runner`` (one parse and one batched traversal per file),
``project`` (project-wide symbols), ``links`` (the detectors checked against the rule files). The
subpackage ``analysis`` holds what several detectors read (the Alembic migration model, the database
usage of a file, the hasattr guards). This package imports nothing itself, so the shared analysis can be
used without loading every detector.
"""
