from __future__ import annotations

import pytest

from drills.faults import FaultContext, FaultRegistry, default_registry
from infra.aws import ClientFactory
from infra.core.errors import ConfigError, FaultInjectionError


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


# The fault catalogue: every fault with the options its scenario gives it.
CATALOGUE = {
    "region-outage": {},
    "az-loss": {"az": "eu-west-2a"},
    "database-failure": {},
    "cache-node-failure": {},
    "ecs-task-crash": {"count": 2},
    "replication-lag": {"seconds": 120},
    "region-partition": {"seconds": 180},
    "dns-change-slow": {"seconds": 120},
    "dns-change-failing": {"times": 2},
}


def _catalogue_ctx():
    from drills.settings.config import load_settings

    return FaultContext(ClientFactory(endpoint_url="http://127.0.0.1:9"), None, "eu-west-2",
                        "us-east-1", settings=load_settings())


def test_the_default_registry_holds_the_whole_catalogue():
    assert set(default_registry()) == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE), ids=sorted(CATALOGUE))
def test_every_fault_says_what_it_does_how_it_is_undone_and_what_it_targets(name):
    from infra.core.actions import FaultEffects

    registry = default_registry()
    effects = registry.effects(name)
    assert isinstance(effects, FaultEffects) and effects.inject and effects.revert
    fault = registry.create(name, _catalogue_ctx(), **CATALOGUE[name])
    assert fault.name == name and fault.target


@pytest.mark.parametrize(("name", "options", "message"), [
    ("az-loss", {"az": "us-east-1a"}, "not an availability zone of the primary region"),
    ("az-loss", {"az": "eu-west-2"}, "not an availability zone"),
    ("ecs-task-crash", {"count": 0}, "count must be >= 1"),
    ("replication-lag", {"seconds": 0}, "a stall lasts > 0"),
    ("region-partition", {"seconds": -1}, "a partition lasts > 0"),
    ("dns-change-slow", {"seconds": 0}, "a delay is > 0"),
    ("dns-change-failing", {"times": 0}, "times must be >= 1"),
], ids=["az-in-dr", "az-is-a-region", "no-task", "no-stall", "negative-partition",
        "no-delay", "no-refusal"])
def test_bad_options_are_refused_when_the_fault_is_made(name, options, message):
    with pytest.raises(FaultInjectionError, match=message):
        default_registry().create(name, _catalogue_ctx(), **options)


@pytest.mark.parametrize("name", ["az-loss", "ecs-task-crash", "replication-lag",
                                  "region-partition", "dns-change-slow", "dns-change-failing"])
def test_faults_of_the_simulator_are_refused_without_it(name):
    fault = default_registry().create(name, _catalogue_ctx(), **CATALOGUE[name])
    with pytest.raises(FaultInjectionError, match="needs the embedded region simulator"):
        fault.inject()


@pytest.mark.parametrize("name", ["database-failure", "cache-node-failure", "ecs-task-crash"])
def test_faults_on_a_named_resource_need_the_settings(name):
    with pytest.raises(FaultInjectionError, match="needs the run's settings"):
        default_registry().create(name, _ctx(), **CATALOGUE[name])
