@fault
Feature: Replication lag spike
  The DR database trails the primary by seconds. When it falls behind, the data a region
  loss would cost grows past the RPO objective: the drill shows how far it grew, that
  customers did not notice, and that DR caught up again with nothing missing.

  @drill
  Scenario: Replica stalls for 2 minutes, RPO at risk grows, DR catches up within 4 minutes
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When replication to us-east-1 stalls for 120 seconds
    Then the data at risk in us-east-1 grows beyond the RPO objective
    And it is back within the RPO objective within 4 minutes
    And the application stays up in eu-west-2
    And the RPO is within its objective
