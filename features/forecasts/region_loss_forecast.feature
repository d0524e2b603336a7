@region_loss @forecast
Feature: Region loss, forecast over 200 draws
  One drill is one draw of the latency model. The forecast runs 200 seeded drills of the
  region loss, each on its own embedded world, and states how often the warm standby meets
  its objectives (with 95% Wilson intervals); its folder sits in the runs folder.

  @drill
  Scenario: Primary region lost, objectives met in most draws
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective in at least 95% of 200 draws
    And the RPO is within its objective in at least 80% of 200 draws
