"""`drill run --templates DIR`: a team's copy of the templates is drilled, linted first, and
a stack that does not create fails the drill with AWS's reason (the CLI, as people run it)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

from infra.template_gate import DR, PRIMARY, TEMPLATES
from tests.drillcli import DRILL_TIMEOUT_S, drill_command, drill_env

__all__: list[str] = []

# The DR task definition at 256 CPU units with 4096 MiB: no Fargate size has that pair,
# so AWS refuses it at registration and cfn-lint reports E3047.
_FARGATE = ('      Cpu: "256"\n      Memory: "512"', '      Cpu: "256"\n      Memory: "4096"')
# A subnet in a zone the region does not have: cfn-lint only warns (W3010, a hardcoded
# zone), EC2 refuses the subnet, so the DR stack rolls back.
_ZONE = ('      CidrBlock: 10.1.11.0/24\n      AvailabilityZone: !Select [1, !GetAZs ""]',
         "      CidrBlock: 10.1.11.0/24\n      AvailabilityZone: us-east-1q")


def _broken(tmp_path, old, new):
    folder = shutil.copytree(TEMPLATES, tmp_path / "lib")
    path = folder / f"{DR}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _drill(tmp_path, *args):
    return subprocess.run(drill_command(*args), cwd=tmp_path, env=drill_env(), text=True,
                          capture_output=True, timeout=DRILL_TIMEOUT_S, check=False)


def test_a_copy_of_the_templates_is_drilled_and_recorded(signed_run):
    # The shared drill runs with --templates on a copy of infra/templates (conftest.py).
    assert signed_run.exit_code == 0, signed_run.stderr[-2000:]
    evidence = json.loads((signed_run.run_dir / "evidence.json").read_text(encoding="utf-8"))
    report = (signed_run.run_dir / "report.html").read_text(encoding="utf-8")
    recorded = {t["name"]: t for t in evidence["templates"]}
    assert sorted(recorded) == [PRIMARY, DR]
    for name, record in recorded.items():
        assert record["path"].endswith(f"/lib/{name}.yaml"), record
        digest = hashlib.sha256((TEMPLATES / f"{name}.yaml").read_bytes()).hexdigest()
        assert record["sha256"] == digest
        assert digest in report
    assert evidence["lint_warnings"] == []


def test_the_fargate_size_aws_refuses_stops_the_drill_before_it_starts(tmp_path):
    folder = _broken(tmp_path, *_FARGATE)
    done = _drill(tmp_path, "run", "region-loss", "--templates", str(folder), "--out", "runs")
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())
    assert "E3047" in message and "resource TaskDefinition" in message, message
    assert f"{folder.resolve() / DR}.yaml" in message
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_stack_that_does_not_create_fails_the_drill_with_its_cause(tmp_path):
    folder = _broken(tmp_path, *_ZONE)
    done = _drill(tmp_path, "run", "region-loss", "--templates", str(folder), "--out", "runs",
                  "--time-scale", "300")
    assert done.returncode == 1, done.stderr[-2000:]
    (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")]
    evidence = json.loads((run_dir / "evidence.json").read_text(encoding="utf-8"))
    reason = evidence["verdict_reason"]
    assert evidence["verdict"] == "failed" and evidence["exit_code"] == 1
    assert "stack streamflix-dr-secondary-dev in us-east-1 did not create " \
           "(ROLLBACK_COMPLETE): AWS::EC2::Subnet PrivateSubnet2 failed: Resource handler " \
           'returned message: "Value (us-east-1q)' in reason, reason
    assert "HandlerErrorCode: InvalidRequest" in reason
    assert (run_dir / "report.html").is_file()
    kinds = [json.loads(line)["kind"] for line in
             (run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "revert.nothing" in kinds and "fault.injected" not in kinds
    assert [w.split()[0] for w in evidence["lint_warnings"]] == ["W3010"]
    audit = _drill(tmp_path, "audit", "--templates", str(folder), "--json")
    assert audit.returncode == 1, audit.stderr[-2000:]
    findings = {f["id"]: f for f in json.loads(audit.stdout)["findings"]}
    assert "PrivateSubnet2 failed" in findings["DR-STACK-CREATE-FAILED"]["message"]
    assert "W3010" in findings["DR-TEMPLATE-LINT"]["message"]
