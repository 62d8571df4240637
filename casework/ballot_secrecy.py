"""Ballots stay secret until the vote closes, and afterwards are open only to the six
parties, the supervisors and the dispatchers (docs/consultation.md#secrecy). The event log keeps
every ballot; the doors leave out what the reader may not see yet."""

# Per event kind, the payload keys that reveal how parties voted.
SECRET_KEYS = {
    "ballot": frozenset({"option"}),
    "vote_closed": frozenset({"ballots", "tally"}),
}


def payload_for_reader(transition: str, payload: dict, secret_consultations: set[int]) -> dict:
    keys = SECRET_KEYS.get(transition)
    if not keys or payload.get("consultation") not in secret_consultations:
        return payload
    return {key: value for key, value in payload.items() if key not in keys}
