"""Reading back what probes and markers left: markers in a region's database, probes.csv.

After a failover the drill reads, through the application's name, which markers survived in
the region now serving (``GET /markers``); a run's probes.csv reads back as samples.
"""

from __future__ import annotations

import csv
from pathlib import Path

import requests

from drills.measure.probes import (
    PROBE_HEADER,
    ProbeSample,
    _error_text,
    _json,
    _region,
    http_session,
)
from infra.core.errors import MeasurementError

__all__ = ["read_marker_times", "read_markers", "read_probes"]


def read_markers(base_url: str, *, timeout: float, region: str | None = None,
                 use_proxies: bool = False) -> frozenset[int]:
    """Marker numbers in the database behind ``base_url`` (GET /markers); ``timeout`` in real s.

    ``region``, when given, must be the region that answers: markers counted as surviving
    in DR must have been read from DR.

    Raises:
        MeasurementError: no answer, another region, or not a 200 with markers that have a seq.
    """
    return frozenset(read_marker_times(base_url, timeout=timeout, region=region,
                                       use_proxies=use_proxies))


def read_marker_times(base_url: str, *, timeout: float, region: str | None = None,
                      use_proxies: bool = False) -> dict[int, float]:
    """As :func:`read_markers`, with each marker's ``written_at`` (its writer's drill time)."""
    url = base_url.rstrip("/") + "/markers"
    try:
        with http_session(use_proxies=use_proxies) as http:
            resp = http.get(url, timeout=timeout)
    except requests.RequestException as exc:
        raise MeasurementError(f"cannot read markers from {url!r}: {_error_text(exc)}") from exc
    body = _json(resp)
    markers = body.get("markers")
    if resp.status_code != 200 or not isinstance(markers, list) or not all(
            isinstance(m, dict) and isinstance(m.get("seq"), int) for m in markers):
        raise MeasurementError(
            f"cannot read markers from {url!r}: HTTP {resp.status_code} {resp.text[:200]!r}, "
            "expected 200 with a 'markers' list of {'seq': N, ...}")
    if region is not None and _region(body) != region:
        raise MeasurementError(f"markers from {url!r} came from region {_region(body)!r}, "
                               f"expected {region!r}")
    return {m["seq"]: float(m.get("written_at") or 0.0) for m in markers}


def read_probes(path: Path) -> list[ProbeSample]:
    """The samples in a probes.csv, in file order; MeasurementError if it is not one."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = tuple(next(reader, ()))
        if header != PROBE_HEADER:
            raise MeasurementError(f"{str(path)!r} is not a probes.csv: header {header!r}, "
                                   f"expected {PROBE_HEADER!r}")
        return [ProbeSample(int(seq), float(t), wall, region, int(status), ok == "true",
                            float(latency), error)
                for seq, t, wall, region, status, ok, latency, error in reader]
