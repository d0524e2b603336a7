"""No default AMIs: the StreamFlix stack runs on Fargate and never looks one up.

moto loads its catalogue of some 5,000 public AMIs into every region's EC2 backend the first
time the region is used, and a drill uses EC2 in both regions (VPCs, subnets, security
groups) after every reset: a second or more per drill spent building images nothing reads.
This is moto's own ``MOTO_EC2_LOAD_DEFAULT_AMIS=false``, applied to this process only.
"""

from __future__ import annotations

from moto import settings

__all__ = ["apply"]


def apply() -> None:
    """Make moto's EC2 backends start without the default AMIs."""
    settings.ec2_load_default_amis = lambda: False
