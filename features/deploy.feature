@deploy
Feature: Deploy the StreamFlix warm standby
  The primary region serves traffic; the DR region holds a replica of the database, a
  replicated file system and a scaled-down service, ready to take over.

  Scenario: StreamFlix warm standby is deployed and verified
    Given the StreamFlix warm standby is deployed
    Then both stacks are complete
    And every output of the deployment guide is present
    And the DR database replicates from the primary database
    And the file system replicates to the DR region
    And data is encrypted at rest and in transit
    And the DR service runs 0 tasks and the primary 2
    And application logs are kept for 7 days in both regions
    And both stacks carry the deployment guide's tags

  @teardown
  Scenario: StreamFlix warm standby is torn down
    Given the StreamFlix warm standby is deployed
    When the StreamFlix warm standby is torn down
    Then nothing of it is left in either region
