@failback
Feature: Failback
  After a failover, with the primary region back, the on-call team brings StreamFlix home:
  the primary database catches up from DR, writes pause briefly while it takes over, the
  application is served from the primary region again and DR returns to a warm standby.
  Nothing saved while StreamFlix ran from DR may be lost.

  @drill
  Scenario: Fail back to eu-west-2 after a regional failover, no data lost
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the region eu-west-2 is lost
    And the on-call team runs the failover runbook
    Then the application is served from us-east-1
    When the region eu-west-2 is back
    And the on-call team runs the failback runbook
    Then the application is back in eu-west-2
    And no write made after the failover is lost
    And the failback's downtime is under 15 minutes
