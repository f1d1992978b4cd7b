"""The command line's assessment commands: quiz, analyse and report-schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crb.cli import main
from crb.report import ReportData
from tests.journey import ANSWERS


def test_quiz_json_has_the_sections_and_tiers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quiz", "--json"]) == 0

    body = json.loads(capsys.readouterr().out)
    assert len(body["sections"]) == 6
    assert [t["id"] for t in body["tiers"]] == ["report", "report_call"]


def test_analyse_prints_report_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": ANSWERS}), encoding="utf-8")

    assert main(["analyse", str(path), "--tier", "report_call"]) == 0

    report = ReportData.model_validate_json(capsys.readouterr().out)
    assert report.company_name == ANSWERS["company_name"]
    assert len(report.findings) == 15


def test_analyse_names_a_bad_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({**ANSWERS, "team_size": 0}), encoding="utf-8")

    assert main(["analyse", str(path)]) == 2
    assert "team_size" in capsys.readouterr().err


def test_report_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report-schema"]) == 0

    assert json.loads(capsys.readouterr().out)["title"] == "ReportData"


def test_doctor_says_what_is_wrong_and_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
    redis_url: str,
) -> None:
    for name, value in {
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RENDERER_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  renderer" in out and "ok    postgres" in out and "1 problem(s) found" in out
