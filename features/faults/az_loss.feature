@fault
Feature: Availability zone loss
  StreamFlix runs in two availability zones of the primary region. Losing one of them must
  not need the DR region: the database fails over to its standby in the other zone, the cache
  promotes its replica there, the service replaces the tasks it lost, and customers are back
  within two minutes without losing anything they saved.

  @drill
  Scenario: One AZ lost, no failover needed, downtime under 2 minutes
    Given the recovery objectives are an RTO of 120 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the availability zone eu-west-2a is lost
    Then the application recovers in eu-west-2 without failing over
    And the RTO is within its objective
    And the RPO is within its objective
    And no saved write is lost
