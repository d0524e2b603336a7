@fault
Feature: Network partition between the regions
  When the network between the two regions is cut, both regions keep running and customers
  keep being served from the primary, but the DR database stops receiving changes. The
  replica must say so, and catch up with nothing missing once the network is back.

  @drill
  Scenario: Regions cut apart for 3 minutes, both stay up, DR catches up within 5 minutes
    Given the recovery objectives are an RTO of 900 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When the network between eu-west-2 and us-east-1 is cut for 180 seconds
    Then the data at risk in us-east-1 grows beyond the RPO objective
    And the replica reports replication stopped
    And it is back within the RPO objective within 5 minutes
    And the application stays up in eu-west-2
    And the RPO is within its objective
