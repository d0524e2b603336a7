"""An aws CLI v1 plugin that makes ``AWS_ENDPOINT_URL`` hold for every service and region.

aws CLI v1 sends RDS, DocumentDB and Neptune calls in us-east-1 to ``https://rds.amazonaws.com``
whenever ``--endpoint-url`` is not on the command line (its ``overridesslcommonname``
customization), which overrides ``AWS_ENDPOINT_URL``: the deployment guide's
``aws rds promote-read-replica ... --region us-east-1`` would leave the embedded AWS for the
real one. ``drill up``'s ``env.sh`` loads this plugin through the ``[plugins]`` section of
the config file it points ``AWS_CONFIG_FILE`` at, so the guide's commands run unchanged.
It imports nothing beyond the standard library: it runs inside the aws CLI's process.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["awscli_initialize"]


def _endpoint_from_env(parsed_globals: Any = None, **_: Any) -> None:
    url = os.environ.get("AWS_ENDPOINT_URL")
    if url and parsed_globals is not None and getattr(parsed_globals, "endpoint_url", 1) is None:
        parsed_globals.endpoint_url = url  # as if given with --endpoint-url


def awscli_initialize(cli: Any) -> None:
    """The aws CLI's plugin entry point: run before the CLI's own endpoint customization."""
    cli.register_first("before-building-argument-table-parser", _endpoint_from_env)
