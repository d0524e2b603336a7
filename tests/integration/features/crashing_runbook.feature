@region_loss
Feature: Region loss with a failover runbook that crashes
  A bug in a runbook step raises in the middle of the failover. The drill must still revert
  the region outage, verify the revert, stop everything and journal its verdict.

  Scenario: The failover runbook crashes after promoting the replica
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs a failover runbook that crashes after promoting the replica
    Then the application is served from us-east-1
