@fault
Feature: Primary database instance failure
  The primary database is Multi-AZ: when its instance fails, its standby in the other zone
  takes over under the same endpoint. No regional failover is needed, customers are back
  within two minutes and no saved write is lost.

  @drill
  Scenario: Primary database fails, its standby takes over within 2 minutes
    Given the recovery objectives are an RTO of 120 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the primary database instance fails
    Then the application recovers in eu-west-2 without failing over
    And the RTO is within its objective
    And the RPO is within its objective
    And no saved write is lost
