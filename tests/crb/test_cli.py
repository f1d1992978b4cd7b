"""The command line: the assessment commands (quiz, analyse, report-schema) on a fresh DATA_DIR with no secret key,
`crb init` and `crb up` making that key, and doctor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crb import devserver
from crb.cli import main
from crb.report import ReportData
from crb.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.journey import ANSWERS


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DATA_DIR no command has used, no SECRET_KEY, and no `.env` (the working directory is the test's)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path / "data"


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
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RENDERER_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  renderer" in out and "ok    postgres" in out and "1 problem(s) found" in out


def test_the_assessment_commands_need_no_key_and_write_nothing(
    fresh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    for command in (["quiz"], ["quiz", "--json"], ["report-schema"], ["analyse", str(answers)]):
        assert main(command) == 0, capsys.readouterr().err
    assert not fresh.exists()


def test_init_makes_the_key_once_then_keeps_it(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert capsys.readouterr().out == f"created the local secret key {fresh / 'secret.key'} (mode 0600)\n"
    key = (fresh / "secret.key").read_text()
    assert main(["init"]) == 0
    assert capsys.readouterr().out == f"kept the local secret key {fresh / 'secret.key'} (mode 0600)\n"
    assert (fresh / "secret.key").read_text() == key


def test_a_command_that_needs_the_key_says_to_run_init(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crb migrate: SECRET_KEY is not set") and "run `crb init`" in err
    assert not fresh.exists()


def test_up_makes_the_key_before_it_starts_anything(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Settings] = []

    def run_all(settings: Settings, environ: dict[str, Any]) -> int:
        started.append(settings)
        return 0

    monkeypatch.setattr(devserver, "run_all", run_all)
    assert main(["up"]) == 0
    [settings] = started
    assert settings.secret_key.value == (fresh / "secret.key").read_text()
