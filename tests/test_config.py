"""``[tool.riskaudit]``: validation with errors naming the key, and its effect on a real scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import copy_fixture, run_cli, run_project_tests

from riskaudit.layers import assign_layers, content_kinds, DEFAULT_LAYERS, layer_of
from riskaudit.option_table import effective_options, parse_config


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"fail_on": "high"}, "unknown key 'fail_on'"),
        ({"fail-on": "urgent"}, "fail-on = 'urgent'"),
        ({"select": "RA1"}, "select must be a list"),
        ({"timeout": -1}, "timeout = -1"),
        ({"timeout": True}, "timeout = True: must be a number"),
        ({"total-coverage-threshold": 120}, "total-coverage-threshold = 120"),
        ({"critical-layers": {"billing": {"paths": "app/billing/*"}}}, "critical-layers.billing.paths"),
        ({"critical-layers": {"billing": {"globs": ["x"]}}}, "critical-layers.billing: unknown key 'globs'"),
        ({"critical-layers": {"billing": {"threshold": "high"}}}, "threshold = 'high'"),
        ({"exclude": "migrations/*"}, "exclude must be a list of path globs"),
        ({"per-file-ignores": {"tests/*": "RA2"}}, "per-file-ignores.'tests/*' must be a list"),
        ({"severity": {"RA203": "urgent"}}, "severity.RA203 = 'urgent'"),
        ({"baseline": 3}, "baseline must be a path"),
        ({"critical-layers": {"billing": {"threshold": 95}}}, "billing: names no folder, module or path"),
        ({"critical-layers": {"billing": {"names": [], "paths": []}}}, "critical-layers.billing: names no folder"),
    ],
)
def test_bad_config_names_the_key(table: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_config(table)
    assert fragment in str(caught.value)


def test_layers_by_glob_and_by_default_content() -> None:
    config = parse_config(
        {"critical-layers": {"billing": {"paths": ["app/billing/*.py"], "threshold": 95}, "data access": {}}}
    )
    assert config["layers"] is not None
    billing, data = config["layers"]
    assert billing.coverage_threshold == 95.0 and billing.names == frozenset() and billing.content == ""
    assert data.content == DEFAULT_LAYERS[0].content == "data access"
    kinds = {
        "app/billing/invoice.py": frozenset(),
        "app/repositories/user.py": content_kinds(["sqlalchemy.select"]),
        "app/repositories/cache.py": frozenset(),
        "app/auth/jwt.py": content_kinds(["jose.jwt"]),
    }
    layers = assign_layers(config["layers"], kinds)
    assert layers.of("app/billing/invoice.py") is billing
    assert layers.of("app/repositories/user.py") is data
    # a folder name alone no longer makes a layer; auth is not configured here
    assert layers.of("app/repositories/cache.py") is None
    assert layers.of("app/auth/jwt.py") is None
    assert layer_of("app/billing/other.py", config["layers"]) is billing


def test_command_line_beats_config() -> None:
    config = {"fail_on": "high", "timeout": 30.0, "select": ("RA1",)}
    cli = {"fail_on": "low"}
    merged = effective_options(config, cli)
    assert (merged.fail_on, merged.timeout, merged.select) == ("low", 30.0, ("RA1",))


def _configure(project: Path, text: str) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n" + text)


def test_config_drives_the_scan(tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    _configure(
        project,
        '[tool.riskaudit]\nfail-on = "medium"\n\n'
        '[tool.riskaudit.critical-layers.orders]\npaths = ["shop/repositories/orders.py"]\nthreshold = 90\n',
    )
    assert run_project_tests(project).returncode == 0
    out = tmp_path / "r.json"
    result = run_cli("scan", str(project), "--format", "json", "--output", str(out))
    assert result.returncode == 1, result.stderr  # medium findings fail the configured gate
    data = json.loads(out.read_text())
    assert data["meta"]["fail_on"] == "medium"
    assert [layer["name"] for layer in data["layers"]] == ["orders"]
    (low,) = [f for f in data["findings"] if f["rule_id"] == "RA301"]
    assert "orders file covered 70%" in low["message"] and "threshold 90%" in low["message"]
    overridden = run_cli("scan", str(project), "--fail-on", "none", "--format", "json", "--output", str(out))
    assert overridden.returncode == 0


def test_unknown_config_key_is_a_one_line_error(tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    _configure(project, '[tool.riskaudit]\nfailon = "high"\n')
    result = run_cli("scan", str(project))
    assert result.returncode == 2
    assert "[tool.riskaudit] unknown key 'failon'" in result.stderr
    assert "pyproject.toml" in result.stderr and "Traceback" not in result.stderr


def test_exclude_per_file_ignores_severity_and_baseline_from_config(tmp_path: Path) -> None:
    project = copy_fixture("coverageapp", tmp_path)
    (project / "shop" / "generated_pb2.py").write_text("x == None\n")
    assert run_project_tests(project).returncode == 0
    baseline = tmp_path / "before.json"
    assert run_cli("scan", str(project), "--write-baseline", str(baseline), "--format", "json",
                   "--output", str(tmp_path / "0.json")).returncode in (0, 1)
    (project / "baseline.json").write_text(baseline.read_text())
    _configure(
        project,
        '[tool.riskaudit]\nexclude = ["*_pb2.py"]\nbaseline = "baseline.json"\nfail-on = "low"\n\n'
        '[tool.riskaudit.per-file-ignores]\n"shop/repositories/*" = ["RA207"]\n\n'
        '[tool.riskaudit.severity]\nRA303 = "critical"\n',
    )
    out = tmp_path / "r.json"
    result = run_cli("scan", str(project), "--format", "json", "--output", str(out))
    data = json.loads(out.read_text())
    paths = {f["path"] for f in data["findings"]}
    assert "shop/generated_pb2.py" not in paths
    assert any("excluded by [tool.riskaudit] exclude" in note for note in data["meta"]["not_analysed"])
    assert not [f for f in data["findings"] if f["rule_id"] == "RA207"]
    assert {f["severity"] for f in data["findings"] if f["rule_id"] == "RA303"} == {"critical"}
    assert data["baseline"] is not None and data["baseline"]["path"].endswith("baseline.json")
    assert result.returncode == 0, result.stderr  # everything is in the configured baseline


def test_untrusted_mode_ignores_the_targets_riskaudit_config(tmp_path: Path) -> None:
    project = copy_fixture("cleanapp", tmp_path)
    _configure(project, '[tool.riskaudit]\nfailon = "none"\n')
    result = run_cli("scan", str(project), "--untrusted", "--format", "json", "--output", str(tmp_path / "r.json"))
    assert result.returncode in (0, 1), result.stderr
