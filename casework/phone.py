def phone_masked(phone: str) -> str:
    """138****5678: keep the first three and last four digits."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return f"{phone[:3]}****{phone[-4:]}"
