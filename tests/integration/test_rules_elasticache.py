"""ElastiCache's documented rules (``moto_ext/rules_elasticache.py``), through the real API."""

from __future__ import annotations

import pytest

from tests.integration.rules_table import refused

__all__: list[str] = []

REGION = "eu-west-2"
TOKEN = "a-long-enough-auth-token"


def _group(clients, **changes):
    args = {"ReplicationGroupId": "streamflix-cache-dev", "Engine": "redis",
            "ReplicationGroupDescription": "cache", "CacheNodeType": "cache.t3.micro",
            "NumCacheClusters": 2, "AutomaticFailoverEnabled": True, "MultiAZEnabled": True,
            "AtRestEncryptionEnabled": True, "TransitEncryptionEnabled": True, **changes}
    return clients.client("elasticache", REGION).create_replication_group(
        **{k: v for k, v in args.items() if v is not None})["ReplicationGroup"]


def _key(clients):
    return clients.client("kms", REGION).create_key()["KeyMetadata"]


def test_the_templates_cache_is_created(aws, clients):
    found = _group(clients, KmsKeyId=_key(clients)["Arn"], AuthToken=TOKEN)
    assert (found["AutomaticFailover"], found["MultiAZ"]) == ("enabled", "enabled")


CREATE = {
    "EC-AUTOFAILOVER-REPLICA": ({"NumCacheClusters": 1, "MultiAZEnabled": False},
                                "InvalidParameterCombination",
                                "Replication group must have at least one read replica to "
                                "enable autofailover."),
    "EC-MULTIAZ-AUTOFAILOVER": ({"AutomaticFailoverEnabled": False},
                                "InvalidParameterCombination",
                                "Multi-AZ is only supported when automatic failover is "
                                "enabled."),
    "EC-AUTHTOKEN-TRANSIT": ({"AuthToken": TOKEN, "TransitEncryptionEnabled": False},
                             "InvalidParameterCombination",
                             "The AUTH token is only supported when encryption-in-transit is "
                             "enabled."),
    "EC-AUTHTOKEN-FORMAT": ({"AuthToken": "short"}, "InvalidParameterValue",
                            "Invalid AuthToken provided."),
    "EC-NUM-CACHE-CLUSTERS": ({"NumCacheClusters": 7}, "InvalidParameterValue",
                              "NumCacheClusters must be between 1 and 6"),
    "EC-GROUP-ID": ({"ReplicationGroupId": "streamflix-cache-dr-" + "x" * 21},
                    "InvalidParameterValue", "The parameter ReplicationGroupId is not a valid "
                    "identifier"),
}


@pytest.mark.parametrize("rule_id", list(CREATE))
def test_create_replication_group_rule(aws, clients, rule_id):
    changes, code, message = CREATE[rule_id]
    refused(lambda: _group(clients, **changes), code, message)


@pytest.mark.parametrize("token", ["has@sign-and-is-long", 'has"quote-and-is-long', "x" * 129])
def test_auth_token_characters(aws, clients, token):  # EC-AUTHTOKEN-FORMAT
    refused(lambda: _group(clients, AuthToken=token), "InvalidParameterValue",
            "Invalid AuthToken provided.")


def test_key_needs_at_rest_encryption(aws, clients):  # EC-KMS-AT-REST
    refused(lambda: _group(clients, KmsKeyId=_key(clients)["Arn"],
                           AtRestEncryptionEnabled=False),
            "InvalidParameterCombination", "at-rest encryption is enabled")


def test_disabled_key_is_refused(aws, clients):  # EC-KMS-KEY-ENABLED
    key = _key(clients)
    clients.client("kms", REGION).disable_key(KeyId=key["KeyId"])
    refused(lambda: _group(clients, KmsKeyId=key["Arn"]), "InvalidParameterValue",
            "is Disabled")
