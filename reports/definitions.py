"""The measurement definitions, as text the evidence carries verbatim.

They are filled in with the run's own parameters (probe interval, N consecutive probes) so
the record states exactly what was measured, not what the defaults would have been.
"""

from __future__ import annotations

from reports.records import Definitions

__all__ = ["definitions_for"]


def _fmt(value: float | int | None, unit: str = "s") -> str:
    return "unknown" if value is None else f"{value:g} {unit}".strip()


def definitions_for(
    *, probe_interval: float | None, consecutive: int | None, marker_interval: float | None
) -> Definitions:
    """The definitions of probe, outage, recovery, RTO and RPO with this run's parameters."""
    n = consecutive if consecutive is not None else 3
    return Definitions(
        probe=(
            "One GET of the application's /health through its DNS name, with a timeout shorter "
            f"than the interval, every {_fmt(probe_interval)} of drill time on a schedule fixed "
            "from the start time (it never drifts). Every sample is kept: time, region that "
            "served it, status and latency."
        ),
        outage_start="The fault's injection time from the journal; the first failed probe "
        "confirms it.",
        recovery=f"The first of {n} consecutive healthy probes served by the DR region.",
        rto=(
            "RTO = recovery - outage start, in drill seconds (real-world seconds on a scaled "
            f"clock). Its measurement error is at most one probe interval ({_fmt(probe_interval)})."
        ),
        rto_split=(
            "detect = outage start → the primary declared lost; decide = → runbook start "
            "(human delay on game days, 0 when automated); execute = → recovery."
        ),
        rpo=(
            f"The canary writes a numbered, timestamped marker every {_fmt(marker_interval)} and "
            "records each acknowledgement. RPO = time of the last acknowledged marker before the "
            "outage - time of the newest marker readable in the DR database after failover. "
            "Acknowledged markers that are missing are listed by number. Each marker is also "
            "written as an EFS file and a cache key, and RPO is measured per data store the "
            "same way; a replicated store none of whose markers reached DR has no recovery "
            "point and fails its objective; the cache is not replicated and not judged "
            "unless given an objective (the app rebuilds it from the database)."
        ),
        pitfalls=(
            "RDS ReplicaLag of -1 means replication is stopped, not zero lag. Clients that cache "
            "DNS see the cutover later than the prober, which honours the record's TTL."
        ),
    )
