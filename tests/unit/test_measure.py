"""RTO, RPO and downtime on synthetic samples and markers: exact values, edge cases."""

from __future__ import annotations

import pytest

from drills.measure.probes import AckedMarker, ProbeSample
from drills.measure.rto_rpo import (
    RpoResult,
    RtoResult,
    downtime,
    find_recovery,
    first_failure,
    measure_rpo,
    measure_rto,
)
from infra.core.errors import MeasurementError

__all__: list[str] = []

PRIMARY, DR = "eu-west-2", "us-east-1"


def sample(t, ok=True, region=DR):
    """A probe sample at drill time ``t``; a failed one has no region or status."""
    if not ok:
        return ProbeSample(int(t), t, "", "", 0, False, 0.0, "ConnectionError: reset")
    return ProbeSample(int(t), t, "", region, 200, True, 1.0, "")


def timeline(*spec):
    """Samples every 10 s from t=0: 'P' healthy primary, 'D' healthy DR, 'x' failed."""
    kinds = {"P": {"region": PRIMARY}, "D": {"region": DR}, "x": {"ok": False}}
    return [sample(10.0 * i, **kinds[c]) for i, c in enumerate(spec)]


def markers(*times):
    """Acknowledged markers numbered 1.. written at the given drill times."""
    return [AckedMarker(i, t, PRIMARY) for i, t in enumerate(times, start=1)]


# -- recovery ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("spec", "consecutive", "expected"),
    [
        ("PPxxxDDD", 3, 50.0),
        ("PPxDDxDDD", 3, 60.0),
        ("PPxDPDDD", 3, 50.0),
        ("PPxDPDDD", 1, 30.0),
        ("PPxxDD", 3, None),
        ("PPxDDDDD", 5, 30.0),
    ],
    ids=["clean", "flapping", "wrong-region-breaks-run", "n=1", "too-few", "n=5"],
)
def test_find_recovery_first_of_n_consecutive_dr_samples(spec, consecutive, expected):
    found = find_recovery(timeline(*spec), after=15.0, region=DR, consecutive=consecutive)
    assert (found.t if found else None) == expected


def test_find_recovery_ignores_samples_before_after():
    assert find_recovery(timeline(*"DDDxDDD"), after=25.0, region=DR).t == 40.0


def test_find_recovery_does_not_depend_on_input_order():
    samples = timeline(*"PPxxDDD")
    assert find_recovery(reversed(samples), after=0.0, region=DR).t == 40.0


def test_find_recovery_rejects_zero_consecutive():
    with pytest.raises(ValueError, match="consecutive must be >= 1"):
        find_recovery([], after=0.0, region=DR, consecutive=0)


def test_first_failure_at_or_after():
    assert first_failure(timeline(*"PxPxD"), after=15.0).t == 30.0
    assert first_failure(timeline(*"PPD"), after=0.0) is None


# -- RTO ---------------------------------------------------------------------------------

def test_measure_rto_exact_with_split():
    result = measure_rto(timeline(*"PPxxxDDD"), outage_start=15.0, dr_region=DR,
                         detected_at=25.0, runbook_started_at=28.0)
    assert result == RtoResult(
        rto_seconds=35.0, outage_start=15.0, recovered_at=50.0, served_region=DR,
        consecutive=3, first_failed_probe_at=20.0, failed_probes=3, resolution_seconds=10.0,
        detected_at=25.0, runbook_started_at=28.0, detect_seconds=10.0, decide_seconds=3.0,
        execute_seconds=22.0,
    )
    assert result.outage_confirmed


def test_measure_rto_split_only_where_times_are_known():
    result = measure_rto(timeline(*"PPxxxDDD"), outage_start=15.0, dr_region=DR,
                         runbook_started_at=28.0)
    assert (result.detect_seconds, result.decide_seconds, result.execute_seconds) == (
        None, None, 22.0)


def test_measure_rto_flapping_recovery_counts_from_the_stable_run():
    result = measure_rto(timeline(*"PPxDDxDDD"), outage_start=15.0, dr_region=DR)
    assert (result.rto_seconds, result.failed_probes) == (45.0, 2)


def test_measure_rto_healthy_dr_before_first_failure_does_not_count():
    samples = [sample(16.0), sample(17.0), sample(18.0), *timeline(*"PPxDDD")]
    result = measure_rto(samples, outage_start=15.0, dr_region=DR)
    assert (result.first_failed_probe_at, result.recovered_at) == (20.0, 30.0)


def test_measure_rto_recovery_served_by_wrong_region_is_not_recovery():
    with pytest.raises(MeasurementError, match=r"no 3 consecutive healthy samples served by "
                                               r"'us-east-1' at or after t=20\.0"):
        measure_rto(timeline(*"PPxxPPPP"), outage_start=15.0, dr_region=DR)


def test_measure_rto_outage_never_confirmed_is_flagged():
    result = measure_rto(timeline(*"PPDDD"), outage_start=15.0, dr_region=DR)
    assert (result.rto_seconds, result.first_failed_probe_at) == (5.0, None)
    assert not result.outage_confirmed


def test_measure_rto_no_samples_raises():
    with pytest.raises(MeasurementError, match=r"no recovery.*\(0 samples, last None\)"):
        measure_rto([], outage_start=0.0, dr_region=DR)


@pytest.mark.parametrize(
    ("detected_at", "runbook_started_at", "message"),
    [
        (10.0, None, r"detect .*end t=10\.0 precedes start t=15\.0"),
        (30.0, 25.0, r"decide .*end t=25\.0 precedes start t=30\.0"),
        (None, 55.0, r"execute .*end t=50\.0 precedes start t=55\.0"),
    ],
    ids=["detected-before-outage", "runbook-before-detection", "recovered-before-runbook"],
)
def test_measure_rto_times_out_of_order_raise(detected_at, runbook_started_at, message):
    with pytest.raises(MeasurementError, match=message):
        measure_rto(timeline(*"PPxxxDDD"), outage_start=15.0, dr_region=DR,
                    detected_at=detected_at, runbook_started_at=runbook_started_at)


# -- RPO ---------------------------------------------------------------------------------

ACKED = markers(0.0, 2.0, 4.0, 6.0, 8.0, 10.0)  # outage at 9.0: markers 1-5 came before


def test_measure_rpo_zero_when_last_marker_survived():
    result = measure_rpo(ACKED, {1, 2, 3, 4, 5}, outage_start=9.0)
    assert result == RpoResult(
        rpo_seconds=0.0, outage_start=9.0, acked_before_outage=5, last_acked=5,
        last_acked_at=8.0, newest_surviving=5, newest_surviving_at=8.0, lost=(), gaps=(),
        lower_bound=False,
    )


def test_measure_rpo_lost_tail():
    result = measure_rpo(ACKED, frozenset({1, 2, 3}), outage_start=9.0)
    assert (result.rpo_seconds, result.lost, result.gaps) == (4.0, (4, 5), ())
    assert (result.newest_surviving, result.newest_surviving_at) == (3, 4.0)


@pytest.mark.parametrize(
    ("surviving", "rpo", "lost", "gaps"),
    [({1, 2, 4, 5}, 0.0, (3,), (3,)), ({1, 3, 4}, 2.0, (2, 5), (2,))],
    ids=["hole-last-survived", "hole-and-tail"],
)
def test_measure_rpo_lost_in_the_middle_listed_as_gaps(surviving, rpo, lost, gaps):
    result = measure_rpo(ACKED, surviving, outage_start=9.0)
    assert (result.rpo_seconds, result.lost, result.gaps) == (rpo, lost, gaps)


def test_measure_rpo_none_survived_is_a_lower_bound_from_first_marker():
    result = measure_rpo(ACKED, set(), outage_start=9.0)
    assert (result.rpo_seconds, result.lost, result.lower_bound) == (9.0, (1, 2, 3, 4, 5), True)
    assert (result.newest_surviving, result.newest_surviving_at) == (None, None)


def test_measure_rpo_marker_at_outage_instant_and_after_are_not_counted():
    result = measure_rpo(ACKED, {1, 2, 3, 6}, outage_start=8.0)
    assert (result.last_acked, result.rpo_seconds, result.lost) == (4, 2.0, (4,))


def test_measure_rpo_unacknowledged_marker_is_not_lost():
    acked = [m for m in ACKED if m.seq != 4]
    result = measure_rpo(acked, {1, 2, 3, 5}, outage_start=9.0)
    assert (result.rpo_seconds, result.lost, result.acked_before_outage) == (0.0, (), 4)


@pytest.mark.parametrize("acked", [[], markers(10.0, 12.0)], ids=["none", "all-after-outage"])
def test_measure_rpo_nothing_acked_before_outage_raises(acked):
    with pytest.raises(MeasurementError, match=r"no marker was acknowledged before the outage "
                                               r"at t=9\.0"):
        measure_rpo(acked, {1}, outage_start=9.0)


# -- downtime ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(5.0, 45.0, 20.0), (15.0, 25.0, 10.0), (0.0, 10.0, 0.0), (35.0, 35.0, 0.0)],
    ids=["spans-outage", "starts-inside-outage", "before-outage", "empty-window"],
)
def test_downtime_sample_and_hold(start, end, expected):
    assert downtime(timeline(*"PxxDD"), start=start, end=end) == expected


def test_downtime_without_earlier_sample_does_not_count_unknown_stretch():
    assert downtime(timeline(*"PxxDD")[1:], start=0.0, end=40.0) == 20.0


def test_downtime_rejects_reversed_window():
    with pytest.raises(ValueError, match=r"end 1\.0 precedes start 2\.0"):
        downtime([], start=2.0, end=1.0)
