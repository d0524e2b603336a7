@broken_dr
Feature: A broken DR setup fails the region-loss drill, and the drill names why
  A drill that always passes proves nothing. Each example breaks the deployed DR setup in
  one way an operator's mistake or a drifted template could, then loses the primary region
  and runs the failover runbook as on the real day. The readiness audit must report the
  breakage before the fault, and the drill must fail with a verdict, evidence and report
  that name it, not just "RTO exceeded".

  Every example here is expected to FAIL: `drill run` exits 1. Breakages are applied on the
  embedded backend only (docs/faults.md, "Broken DR setups").

  @drill
  Scenario Outline: Region loss with a broken DR setup: <breakage>
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the replica promotion takes 60 seconds
    And a runbook step is abandoned after 150 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the DR setup is broken: <breakage>
    And the readiness audit reports <finding>
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective
    And the RPO is within its objective

    Examples:
      | breakage                     | finding                    |
      | dr-task-definition-deleted   | DR-TASKDEF-MISSING         |
      | dr-image-in-primary-registry | DR-TASK-IMAGE-IN-PRIMARY   |
      | dr-listener-deleted          | DR-TG-NOT-ATTACHED         |
      | dr-task-port-closed          | DR-TASK-SG-BLOCKS-ALB      |
      | app-record-ttl-too-long      | DR-RTO-BUDGET-EXCEEDED     |
      | dr-kms-key-disabled          | DR-KMS-KEY-UNUSABLE        |
      | efs-replication-deleted      | DR-EFS-REPLICATION-MISSING |
      | dr-cache-deleted             | DR-CACHE-MISSING           |
