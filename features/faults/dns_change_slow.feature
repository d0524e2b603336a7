@fault
Feature: Slow DNS change during failover
  The failover runbook ends by pointing the application's name at the DR region, and waits
  until Route 53 has applied the change. When Route 53 is slow, that wait eats into the
  recovery time: StreamFlix must still be back within its 15-minute RTO.

  @drill
  Scenario: Region lost while Route 53 is 2 minutes slow, RTO still under 15 minutes
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    And Route 53 takes 120 seconds longer than usual to apply DNS changes
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the RTO is within its objective
