@region_loss @forecast
Feature: Region loss, the guide's runbook against the parallel one
  The guide runs its failover steps one after another. The replica promotion and the DR
  scale-up do not depend on each other, so the parallel runbook runs them at once and moves
  DNS only once both are done. `drill forecast features/forecasts/runbooks.feature` runs both
  scenarios on the same seeds and reports the two RTO distributions side by side.

  @drill
  Scenario: Primary region lost, the guide's sequential runbook
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective
    And the RPO is within its objective

  @drill
  Scenario: Primary region lost, the parallel runbook
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the parallel failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective
    And the RPO is within its objective
