@fault
Feature: Application tasks crash
  When the application's containers crash, the container service starts new ones by itself.
  Even when every task crashes at once, customers are back within three minutes without the
  DR region and without losing anything they saved.

  @drill
  Scenario: Every task crashes, the service replaces them within 3 minutes
    Given the recovery objectives are an RTO of 180 seconds and an RPO of 5 seconds
    And the StreamFlix warm standby is deployed with eu-west-2 as primary and us-east-1 as DR
    And the application is healthy in eu-west-2
    When 2 of the application's tasks crash
    Then the application recovers in eu-west-2 without failing over
    And the RTO is within its objective
    And the RPO is within its objective
    And no saved write is lost
