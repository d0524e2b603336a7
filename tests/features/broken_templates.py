"""Copies of ``infra/templates/`` each broken one way an embedded-AWS rule covers.

None of these is among the eight broken setups of ``drills/faults/breakages.py``, and cfn-lint (the
gate before every deploy) rejects none of them: they are mistakes only the embedded AWS
catches, as AWS would. Each names the rule of ``docs/fidelity.md`` that catches it and the
words of AWS's answer that the failed drill's verdict must carry. ``DEPLOY`` breaks fail a
stack (the drill ends in its deploy phase); ``FAILOVER`` ones deploy, and the failover
fails the way ECS or the network makes it fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from infra.template_gate import TEMPLATES
from tests.drillcli import DRILL_TIMEOUT_S, drill_command, drill_env

__all__ = ["DEPLOY", "FAILOVER", "Broken", "Outcome", "drill_on", "drill_on_each",
           "failed_naming"]

PRIMARY, DR = "streamflix-dr-primary.yaml", "streamflix-dr-secondary.yaml"


@dataclass(frozen=True, slots=True)
class Broken:
    """One template mistake: the file, the text replaced, the rule and AWS's words."""

    name: str
    rule: str
    file: str
    old: str
    new: str
    reason: str

    def write(self, folder: Path) -> Path:
        """A copy of the project's templates in ``folder`` with this one mistake."""
        shutil.copytree(TEMPLATES, folder)
        path = folder / self.file
        text = path.read_text(encoding="utf-8")
        assert text.count(self.old) == 1, f"{self.name}: the text to break is not unique"
        path.write_text(text.replace(self.old, self.new), encoding="utf-8")
        return folder


DEPLOY = (
    Broken("dr-public-subnets-one-zone", "ELB-ONE-SUBNET-PER-AZ", DR,
           "      CidrBlock: 10.1.1.0/24\n      AvailabilityZone: !Select [1, !GetAZs \"\"]\n",
           "      CidrBlock: 10.1.1.0/24\n      AvailabilityZone: !Select [0, !GetAZs \"\"]\n",
           "A load balancer cannot be attached to multiple subnets in the same Availability "
           "Zone"),
    Broken("dr-db-subnets-one-zone", "RDS-SUBNET-GROUP-AZ", DR,
           "      DBSubnetGroupDescription: StreamFlix database private subnets\n"
           "      SubnetIds:\n        - !Ref PrivateSubnet1\n        - !Ref PrivateSubnet2\n",
           "      DBSubnetGroupDescription: StreamFlix database private subnets\n"
           "      SubnetIds:\n        - !Ref PrivateSubnet1\n",
           "doesn't meet Availability Zone (AZ) coverage requirement"),
    Broken("primary-backups-off", "RDS-REPLICA-BACKUPS", PRIMARY,
           "      BackupRetentionPeriod: 7\n", "      BackupRetentionPeriod: 0\n",
           "Automated backups are not enabled for this database instance"),
    Broken("dr-replica-without-key", "RDS-REPLICA-KMS-CROSS-REGION", DR,
           "      KmsKeyId: !GetAtt KMSKey.Arn\n      # Single-AZ",
           "      # Single-AZ", "requires a KmsKeyId in the destination region"),
    Broken("dr-cache-failover-one-node", "EC-AUTOFAILOVER-REPLICA", DR,
           "      NumCacheClusters: 2\n      AutomaticFailoverEnabled: true\n"
           "      MultiAZEnabled: true\n",
           "      NumCacheClusters: 1\n      AutomaticFailoverEnabled: true\n"
           "      MultiAZEnabled: false\n",
           "must have at least one read replica to enable autofailover"),
    Broken("dr-cache-multi-az-without-failover", "EC-MULTIAZ-AUTOFAILOVER", DR,
           "      AutomaticFailoverEnabled: true\n      MultiAZEnabled: true\n",
           "      AutomaticFailoverEnabled: false\n      MultiAZEnabled: true\n",
           "Multi-AZ is only supported when automatic failover is enabled"),
    Broken("dr-efs-iam-without-transit-encryption", "ECS-EFS-IAM-TRANSIT", DR,
           "            TransitEncryption: ENABLED\n", "            TransitEncryption: DISABLED\n",
           "IAM authorization requires transitEncryption to be ENABLED"),
    Broken("dr-target-group-instance", "ECS-SVC-TG-IP", DR,
           "      TargetType: ip\n", "      TargetType: instance\n",
           "which is incompatible with the awsvpc network mode"),
    Broken("dr-service-wrong-container-port", "ECS-SVC-LB-CONTAINER", DR,
           "        - ContainerName: app\n          ContainerPort: 8080\n",
           "        - ContainerName: app\n          ContainerPort: 8081\n",
           "did not have a container port 8081 defined"),
    Broken("app-record-at-zone-apex", "R53-CNAME-APEX", PRIMARY,
           "      Name: !Sub app.${environmentSuffix}.${HostedZoneName}\n      Type: CNAME\n",
           "      Name: !Sub ${environmentSuffix}.${HostedZoneName}\n      Type: CNAME\n",
           "is not permitted at apex in zone"),
)

FAILOVER = (
    Broken("dr-private-subnets-no-nat-route", "ECS-RT-IMAGE-ROUTE", DR,
           "  PrivateDefaultRoute:\n    Type: AWS::EC2::Route\n    Properties:\n"
           "      RouteTableId: !Ref PrivateRouteTable\n      DestinationCidrBlock: 0.0.0.0/0\n"
           "      NatGatewayId: !Ref NatGateway\n\n", "",
           "CannotPullContainerError"),
    Broken("dr-exec-role-trusts-ec2", "ECS-RT-ROLE-TRUST", DR,
           "      RoleName: !Sub streamflix-ecs-exec-${environmentSuffix}-${AWS::Region}\n"
           "      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n"
           "        Statement:\n          - Effect: Allow\n            Principal:\n"
           "              Service: ecs-tasks.amazonaws.com\n",
           "      RoleName: !Sub streamflix-ecs-exec-${environmentSuffix}-${AWS::Region}\n"
           "      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n"
           "        Statement:\n          - Effect: Allow\n            Principal:\n"
           "              Service: ec2.amazonaws.com\n",
           "ECS was unable to assume the role"),
    Broken("dr-db-port-closed-to-tasks", "NET-DB-FROM-TASKS", DR,
           "          FromPort: 3306\n          ToPort: 3306\n",
           "          FromPort: 5432\n          ToPort: 5432\n",
           "admit nothing from the tasks on port 3306"),
    Broken("dr-log-group-not-the-stacks", "ECS-RT-LOG-GROUP", DR,
           "              awslogs-group: !Ref LogGroup\n",
           "              awslogs-group: /ecs/streamflix-dr-missing\n",
           "The specified log group does not exist"),
    Broken("dr-alb-closed-to-clients", "NET-ALB-SG-CLIENTS", DR,
           "          FromPort: 80\n          ToPort: 80\n",
           "          FromPort: 443\n          ToPort: 443\n",
           "admit no client on port 80"),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One ``drill run region-loss --templates``: exit code, verdict reason, journal, output."""

    code: int
    reason: str
    events: list[dict]
    stdout: str


def drill_on(templates: Path, out: Path) -> Outcome:
    """Run the region-loss drill, as an operator would, on the templates in ``templates``
    (on virtual time, the default: its figures do not depend on the host's load)."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        drill_command("run", "region-loss", "--templates", str(templates), "--out", str(out),
                      "--seed", "7"),
        cwd=out.parent, env=drill_env(), capture_output=True, text=True, check=False,
        timeout=DRILL_TIMEOUT_S)
    [run_dir] = [p for p in out.glob("[!.]*") if p.is_dir()]
    events = [json.loads(x) for x in (run_dir / "timeline.jsonl").read_text().splitlines()]
    [end] = [e for e in events if e["kind"] == "run.finished"]
    return Outcome(done.returncode, end["reason"], events, done.stdout)


def drill_on_each(broken: tuple[Broken, ...], tmp: Path, *,
                  at_once: int = 2) -> dict[str, Outcome]:
    """Each break's drill, ``at_once`` at a time (one a core: on virtual time they compute)."""
    def one(b: Broken) -> Outcome:
        folder = tmp / b.name
        return drill_on(b.write(folder / "templates"), folder / "runs")

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return dict(zip((b.name for b in broken), pool.map(one, broken), strict=True))


def failed_naming(outcome: Outcome, broken: Broken) -> None:
    """The drill failed (exit 1, verdict ``failed``), its reason carrying AWS's words."""
    assert outcome.code == 1, outcome.stdout[-2000:]
    [end] = [e for e in outcome.events if e["kind"] == "run.finished"]
    assert (end["verdict"], end["exit_code"]) == ("failed", 1), end
    assert broken.reason in outcome.reason, (broken.rule, outcome.reason)
