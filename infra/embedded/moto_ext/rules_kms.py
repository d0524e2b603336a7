"""KMS key states as KMS enforces them: a key that is not ``Enabled`` cannot be used.

Stock moto encrypts, decrypts and makes data keys with a disabled key or one pending
deletion, and ``ScheduleKeyDeletion`` with a 3-day window silently does nothing. KMS
refuses cryptographic use of a disabled key with ``DisabledException`` and of a key pending
deletion with ``KMSInvalidStateException`` (the key-state table, source below), and the
waiting period with a ``ValidationException``. The services' own answers to an unusable key
(RDS's ``KMSKeyNotAccessibleFault``, a promoted replica's inaccessible-encryption-credentials)
live with those services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.exceptions import ValidationException
from moto.kms.models import KmsBackend

from infra.embedded.moto_ext._rules import constraint, refuse, rule, wrap_methods

__all__ = ["apply"]

_DG = "https://docs.aws.amazon.com/kms/latest/developerguide"

DISABLED = rule("KMS-DISABLED-KEY", "a disabled key cannot encrypt, decrypt or make data keys "
                "(DisabledException)", f"{_DG}/key-state.html")
PENDING = rule("KMS-PENDING-DELETION", "a key pending deletion cannot be used or enabled "
               "(KMSInvalidStateException)", f"{_DG}/key-state.html")
WINDOW = rule("KMS-PENDING-WINDOW", "the deletion waiting period is 7-30 days",
              "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html")


def _usable(backend: KmsBackend, key_id: str) -> None:
    key = backend.keys.get(backend.any_id_to_key_id(key_id))
    if key is None:
        return  # moto's own NotFoundException stands
    if key.key_state == "Disabled":
        refuse(DISABLED, JsonRESTError("DisabledException", f"{key.arn} is disabled."))
    if key.key_state == "PendingDeletion":
        refuse(PENDING, JsonRESTError("KMSInvalidStateException",
                                      f"{key.arn} is pending deletion."))


def _using(inner: Callable[..., Any]) -> Callable[..., Any]:
    def use(self: KmsBackend, *args: Any, **kwargs: Any) -> Any:
        key_id = kwargs.get("key_id", args[0] if args else None)
        if key_id:
            _usable(self, str(key_id))
        return inner(self, *args, **kwargs)
    return use


def _decrypting(inner: Callable[..., Any]) -> Callable[..., Any]:
    def decrypt(self: KmsBackend, *args: Any, **kwargs: Any) -> Any:
        plaintext, arn = inner(self, *args, **kwargs)
        _usable(self, arn)  # the key is known only once the ciphertext is read
        return plaintext, arn
    return decrypt


def _enabling(inner: Callable[..., Any]) -> Callable[..., Any]:
    def enable_key(self: KmsBackend, key_id: str) -> Any:
        key = self.keys.get(self.any_id_to_key_id(key_id))
        if key is not None and key.key_state == "PendingDeletion":
            refuse(PENDING, JsonRESTError("KMSInvalidStateException",
                                          f"{key.arn} is pending deletion."))
        return inner(self, key_id)
    return enable_key


def _scheduling(inner: Callable[..., Any]) -> Callable[..., Any]:
    def schedule_key_deletion(self: KmsBackend, key_id: str, pending_window_in_days: int
                              ) -> Any:
        problem = constraint(pending_window_in_days, "pendingWindowInDays", 7, 30)
        if problem:
            refuse(WINDOW, ValidationException(problem))
        return inner(self, key_id, pending_window_in_days)
    return schedule_key_deletion


def apply() -> None:
    """Refuse what KMS refuses for keys that are not Enabled, and bad deletion windows."""
    wrap_methods(KmsBackend, encrypt=_using, generate_data_key=_using, decrypt=_decrypting,
                 enable_key=_enabling, schedule_key_deletion=_scheduling)
