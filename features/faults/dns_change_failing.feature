@fault
Feature: DNS change refused during failover
  Route 53 refuses a change while it is still busy with an earlier one. The failover runbook
  must retry its DNS change rather than give up, and StreamFlix must still be back within
  its 15-minute RTO.

  @drill
  Scenario: Region lost and the first two DNS changes refused, RTO still under 15 minutes
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    And Route 53 refuses the next 2 DNS changes
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    And the failover runbook retried each refused DNS change
    And the RTO is within its objective
