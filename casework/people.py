"""How a person is named on a page: their 姓名 — family name then given name, with no space
between, as a Chinese office writes it (Django's get_full_name puts the given name first)
— or, for an account without a name, its login name."""


def person_name(user) -> str:
    if user is None:
        return ""
    name = f"{user.last_name.strip()}{user.first_name.strip()}"
    return name or user.get_username()
