"""pyright's findings from the report the project already has (``--pyright-report``), behind the collector interface.

riskaudit does not run pyright (a Node.js program): a project that runs pyright or basedpyright in CI
passes its ``--outputjson`` report, and its findings map onto the same catalogue, merged with mypy's and
riskaudit's on the same defect. A report that cannot be read, is not pyright's, or names files outside
the scanned folder fails the run, so the analysis is incomplete rather than silently without it.
Diagnostics of files riskaudit does not analyse (excluded, ignored by git) are left out, as no other
tool reports on them.
"""

from __future__ import annotations

from riskaudit.collectors.interface import CollectContext, Collected
from riskaudit.collectors.pyright_output import TOOL, PyrightOutputError, parse_report
from riskaudit.input_files import read_input_text
from riskaudit.models import ToolRun, ToolStatus


class PyrightReport:
    """Reads the ``pyright --outputjson`` report named by ``--pyright-report``."""

    def collect(self, context: CollectContext) -> Collected:
        """The report's findings as pyright's run, or the run failed with the reason."""
        path = context.options.pyright_report
        if path is None:  # the registry only asks for this run when a report is named
            return Collected(())
        run = ToolRun(TOOL, ToolStatus.OK, executable=f"{path} (--pyright-report, not run by riskaudit)")
        try:
            version, findings = parse_report(read_input_text(path), context.target.root)
        except (OSError, UnicodeDecodeError) as exc:
            reason = f"{path}: cannot read the report: {getattr(exc, 'strerror', None) or exc}"
            return Collected((ToolRun(TOOL, ToolStatus.FAILED, executable=run.executable, reason=reason),))
        except PyrightOutputError as exc:
            reason = f"{path}: {exc}"
            return Collected((ToolRun(TOOL, ToolStatus.FAILED, executable=run.executable, reason=reason),))
        analysed = {source.path for source in context.target.files}
        kept = tuple(f for f in findings if f.path in analysed)
        return Collected((ToolRun(TOOL, ToolStatus.OK, version=f"pyright {version}".strip(),
                                  executable=run.executable, findings=kept),))


COLLECTOR = PyrightReport()
"""The pyright report collector (see ``riskaudit.collectors.registry``)."""
