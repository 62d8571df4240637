"""Shared by the list pages."""


def query_without_page(query) -> str:
    """The filters of a list page, so its page links and forms can keep them."""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()
