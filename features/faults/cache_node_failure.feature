@fault
Feature: Cache primary node failure
  The session and catalogue cache keeps a replica in the other zone. When its primary node
  fails, the replica is promoted under the same endpoint: customers are back within a minute
  and a half, and nothing saved in the database is lost.

  @drill
  Scenario: Cache primary node lost, service back within 90 seconds
    Given the recovery objectives are an RTO of 90 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the primary cache node fails
    Then the application recovers in eu-west-2 without failing over
    And the RTO is within its objective
    And the RPO is within its objective
    And no saved write is lost
