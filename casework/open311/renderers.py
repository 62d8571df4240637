"""Open311's two formats. XML is the spec's required one; it is built with the standard
library: every GeoReport v2 document is a root element holding either fields or a list of
same-named items (services/service, service_requests/request, errors/error …)."""

import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse, JsonResponse

JSON, XML = "json", "xml"

# A list under this element holds items named so.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all (a pasted control character must not break a feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_document(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    body = ET.tostring(element, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}'.encode()


def _fill(element: ET.Element, name: str, value) -> None:
    if isinstance(value, list):
        item_name = LIST_ITEMS[name]
        for item in value:
            _fill(ET.SubElement(element, item_name), item_name, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif value is None:
        return  # an empty element: the spec's way of saying "no value"
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def open311_response(fmt: str, data, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == XML:
        response = HttpResponse(
            xml_document(root, data), content_type="text/xml; charset=utf-8", status=status
        )
    else:
        response = JsonResponse(
            data, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return response


def open311_errors(fmt: str, status: int, descriptions) -> HttpResponse:
    """The spec's error document: [{"code", "description"}, …] (errors/error in XML)."""
    return open311_response(
        fmt,
        [{"code": status, "description": str(description)} for description in descriptions],
        root="errors",
        status=status,
    )
