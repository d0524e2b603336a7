@region_loss
Feature: Region loss
  When the primary region is lost, the on-call team fails StreamFlix over to the DR region
  with the deployment guide's runbook, and the service must come back within its recovery
  objectives: RTO 15 minutes, RPO near zero.

  @drill
  Scenario: Primary region lost, RTO under 15 minutes
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective
    And the RPO is within its objective
