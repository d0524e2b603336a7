@region_loss @latency_sweep
Feature: Where the failover runbook stops meeting its RTO
  The region-loss drill, run again with slower and slower promotions of the DR database
  (the longest step of the runbook), shows how much slack the 15-minute RTO has: the
  promotion time at which the runbook stops meeting it. Each example is a run folder of
  its own, whose report states the promotion time the run was given.

  Scenario Outline: Primary region lost while the replica promotion takes <promotion> seconds
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the replica promotion takes <promotion> seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO objective is <outcome>

    Examples:
      | promotion | outcome |
      | 60        | met     |
      | 240       | met     |
      | 900       | missed  |
