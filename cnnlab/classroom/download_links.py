"""Links to the teacher's big downloads (every trained model in one zip) that only the teacher can use: the
link names the download and an expiry and carries an HMAC of both made with the teacher key, so it works for
`LINK_LIFETIME_S` and tells nothing of the key itself (the dashboard's address then never has to be shared).

    query = signed_query(key, "models.zip")                 # {"until": "1796531000", "sig": "…"}
    allowed(key, "models.zip", query["until"], query["sig"]) # True for the next 15 minutes
"""

from __future__ import annotations

import hashlib
import hmac
import time

from cnnlab.classroom.teacher_key import TeacherKey

LINK_LIFETIME_S = 15 * 60


def _signature(key: TeacherKey, name: str, until: int) -> str:
    """HMAC-SHA256 of "name:until" with the teacher key, as hex."""
    return hmac.new(key.value().encode("utf-8"), f"{name}:{until}".encode(), hashlib.sha256).hexdigest()


def signed_query(key: TeacherKey, name: str, now: float | None = None) -> dict[str, str]:
    """The query string of a link to the download `name`, valid for `LINK_LIFETIME_S` from `now`."""
    until = int((time.time() if now is None else now) + LINK_LIFETIME_S)
    return {"until": str(until), "sig": _signature(key, name, until)}


def allowed(key: TeacherKey, name: str, until: object, signature: object, now: float | None = None) -> bool:
    """True for a link to `name` signed with this teacher key whose time has not run out; compared in
    constant time."""
    if not isinstance(until, str) or not until.isdigit() or len(until) > 12 or not isinstance(signature, str):
        return False
    if int(until) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(signature.encode("utf-8"), _signature(key, name, int(until)).encode("utf-8"))
