"""CSV and XLSX exports of a scoped evaluation report, with Chinese column headers.

The headers are the office's form (街道/区 reports are filed in Chinese), so they are fixed
here rather than translated with the interface language.
"""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .services.evaluation_figures import COUNTS, RATES, TIMES

LIST_LABELS = {
    "totals": "合计",
    "streets": "街道",
    "communities": "社区",
    "grids": "网格",
    "units": "承办单位",
    "categories": "事项类别",
}
HEADERS = {
    "level": "范围",
    "street": "所属街道",
    "community": "所属社区",
    "code": "编码",
    "name": "名称",
    "rank": "排名",
    "received": "受理数",
    "dispatched": "派单数",
    "responded_on_time": "按时响应数",
    "handled": "办理数",
    "resolved": "解决数",
    "fixed": "已解决",
    "explained": "已解释说明",
    "not_responsible": "非职责范围",
    "unable": "暂无法解决",
    "resolved_on_time": "按时解决数",
    "rated": "评价数",
    "rated_resident": "居民自评数",
    "rated_callback": "回访评价数",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "breaches": "超时事项数",
    "breaches_respond": "响应超时",
    "breaches_resolve": "办理超时",
    "breaches_consult": "会商超时",
    "breaches_vote": "表决超时",
    "reopened": "重办数",
    "consultations": "会商数",
    "rejected": "不予受理数",
    "respond_hours_mean": "平均响应时长(小时)",
    "respond_hours_p90": "响应时长P90(小时)",
    "resolve_hours_mean": "平均办理时长(小时)",
    "resolve_hours_p90": "办理时长P90(小时)",
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "composite": "综合得分",
}
COLUMNS = ["level", "street", "community", "code", "name", "rank", *COUNTS, *TIMES, *RATES]
assert set(COLUMNS) <= set(HEADERS)


def export_rows(report: dict):
    """(list name, row) for every row the actor sees: totals first, then each list."""
    if report["totals"] is not None:
        yield "totals", report["totals"]
    for name in ("streets", "communities", "grids", "units", "categories"):
        for row in report[name]:
            yield name, row


def _cells(level: str, row: dict) -> list:
    values = {**row, "level": LIST_LABELS[level]}
    return ["" if values.get(column) is None else values.get(column) for column in COLUMNS]


def report_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADERS[column] for column in COLUMNS])
    for level, row in export_rows(report):
        writer.writerow(_cells(level, row))
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8


def report_xlsx(report: dict) -> bytes:
    """One sheet per list; numbers stay numbers (rates and hours as decimals)."""
    book = Workbook()
    book.remove(book.active)
    rows_by_level: dict[str, list] = {}
    for level, row in export_rows(report):
        rows_by_level.setdefault(level, []).append(row)
    for level, label in LIST_LABELS.items():
        sheet = book.create_sheet(label)
        columns = [c for c in COLUMNS if c != "level"]
        sheet.append([HEADERS[column] for column in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows_by_level.get(level, []):
            sheet.append([_number(column, row.get(column)) for column in columns])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DECIMALS = set(TIMES) | set(RATES)


def _number(column: str, value):
    return float(value) if column in DECIMALS and value is not None else value
