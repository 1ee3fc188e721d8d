"""The report formats riskaudit writes, and the file extension of each."""

from __future__ import annotations

EXTENSIONS = {"markdown": "md", "html": "html", "json": "json", "sarif": "sarif", "github": "txt"}
"""Every report format with the extension of its default file (``riskaudit-report.<ext>``)."""
FORMATS = tuple(EXTENSIONS)
"""The report formats, in the order the command line lists them."""
DEFAULT_FORMAT = FORMATS[0]
"""The format written when none is asked for."""
