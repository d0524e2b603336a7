from __future__ import annotations

import pytest

from drills.errors import ConfigError, FaultInjectionError
from drills.faults import FaultContext, FaultRegistry, default_registry
from infra.aws import ClientFactory


class Blip:
    name = "blip"

    def __init__(self, ctx, **_):
        self.target = "nothing"

    def inject(self): ...
    def revert(self): ...
    def is_active(self):
        return False


def test_registry_rejects_a_duplicate_name_naming_both():
    registry = FaultRegistry()
    registry.register(Blip)
    other = type("OtherBlip", (Blip,), {})
    with pytest.raises(ValueError, match=r"'blip' is taken by 'Blip'.*'OtherBlip'"):
        registry.register(other)


def test_registry_rejects_a_class_without_the_fault_methods():
    class Half:
        name = "half"

        def inject(self): ...

    with pytest.raises(TypeError, match="lacks revert, is_active"):
        FaultRegistry().register(Half)


def test_unknown_fault_is_a_config_error_listing_known_ones():
    ctx = FaultContext(ClientFactory(endpoint_url="http://127.0.0.1:9"), None, "eu-west-2",
                       "us-east-1")
    with pytest.raises(ConfigError, match=r"unknown fault 'meteor'.*region-outage"):
        default_registry().create("meteor", ctx)


def _ctx():
    return FaultContext(ClientFactory(endpoint_url="http://127.0.0.1:9"), None, "eu-west-2",
                        "us-east-1")


def test_region_outage_refuses_the_dr_region():
    with pytest.raises(FaultInjectionError, match="DR region"):
        default_registry().create("region-outage", _ctx(), region="us-east-1")
