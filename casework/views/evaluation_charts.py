"""The report page's charts, drawn as SVG on the server by pygal (LGPL-3.0).

No JavaScript and nothing from a CDN: pygal's optional tooltip script is switched off
(`js=[]`) and its inline config script removed; the SVG is inlined in the page. Labels (unit
names) are escaped by pygal's XML writer.

The site's Content-Security-Policy allows no inline style either, so the <style> pygal puts
in each chart is removed too; the same rules, written once for every chart, are the static
file casework/static/casework/charts.css, made by `stylesheet()`. A test compares the two:
after changing STYLE or pygal, regenerate it with
`.venv/bin/python -m casework.views.evaluation_charts > casework/static/casework/charts.css`.
"""

import re
import sys

import pygal
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#d9dee5",
    colors=("#1d4e89", "#1e7b34", "#c2410c", "#7c3aed", "#b42318"),
    font_family='"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    title_font_size=18,
    value_font_size=16,
    value_label_font_size=16,
)
COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "legend_at_bottom": True,
    # Drawn about a phone's width: the SVG scales to its box, so on a 360 px screen its
    # 16 px labels stay at least 12 px (a wide screen only enlarges them).
    "width": 380,
    "height": 320,
}


# pygal writes its configuration (labels included) into a <script> for its optional
# tooltips; without that script it serves no purpose, so it is dropped.
PYGAL_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
PYGAL_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)
# The hidden tooltip's inline style (charts.css hides it as well).
TOOLTIP_STYLE = ' style="opacity: 0"'
# pygal prefixes every rule with the chart's random id; the stylesheet uses the class every
# chart's <svg> has instead.
CHART_ID = re.compile(r"#chart-[0-9a-f-]{36}")


def _svg(chart) -> str:
    svg = chart.render(is_unicode=True)
    svg = PYGAL_STYLE.sub("", PYGAL_SCRIPT.sub("", svg)).replace(TOOLTIP_STYLE, "")
    return mark_safe(svg)


def stylesheet() -> str:
    """pygal's rules for our STYLE, for charts of up to as many series as STYLE has colours."""
    chart = pygal.Line(**COMMON)
    for index in range(len(STYLE.colors)):
        chart.add(str(index), [index])
    css = PYGAL_STYLE.search(chart.render(is_unicode=True)).group(1)
    css = CHART_ID.sub(".pygal-chart", css.replace("&gt;", ">"))
    rules = [rule.strip() + "}" for rule in css.split("}") if rule.strip()]
    rules.append(".pygal-chart .tooltip{opacity:0}")  # in place of the inline style dropped
    return (
        "/* Made by casework/views/evaluation_charts.py stylesheet() from pygal's own rules:"
        " do not edit. */\n" + "\n".join(rules) + "\n"
    )


def rates_over_months(history: list[dict]) -> str:
    chart = pygal.Line(
        title=_("Rates over the months"), range=(0, 1), show_dots=True, dots_size=4,
        value_formatter=lambda v: f"{v:.1%}", y_labels=[0, 0.25, 0.5, 0.75, 1],
        x_label_rotation=30, legend_at_bottom_columns=1, **COMMON,
    )
    chart.x_labels = [row["period"] for row in history]
    for key, label in (
        ("response_rate", _("Response rate")),
        ("resolution_rate", _("Resolution rate")),
        ("satisfaction_rate", _("Satisfaction rate")),
    ):
        chart.add(label, [float(row[key]) for row in history])
    return _svg(chart)


def units_ranked(units: list[dict], limit: int = 15) -> str:
    rows = sorted(units, key=lambda row: row.get("rank", 0))[:limit]
    chart = pygal.HorizontalBar(
        title=_("Units ranked by composite score"), range=(0, 1),
        value_formatter=lambda v: f"{v:.0%}", show_legend=False, print_values=True,
        print_labels=True, y_labels=[0, 0.5, 1],
        **{**COMMON, "height": max(200, 60 + 44 * len(rows))},
    )
    # HorizontalBar draws the first label at the bottom: reverse so rank 1 is on top. The
    # axis carries the rank; the name is written on its bar, where a phone has room for it.
    rows = list(reversed(rows))
    chart.x_labels = [str(row.get("rank", "")) for row in rows]
    chart.add(
        _("Composite"),
        [{"value": float(row["composite"]), "label": row["name"]} for row in rows],
    )
    return _svg(chart)


def breaches_by_kind(totals: dict | None) -> str:
    chart = pygal.Bar(
        title=_("Breaches by kind"), show_legend=False, print_values=True,
        value_formatter=lambda v: f"{v:.0f}", **{**COMMON, "height": 280},
    )
    kinds = (
        ("breaches_respond", _("respond")),
        ("breaches_resolve", _("resolve")),
        ("breaches_consult", _("consult")),
        ("breaches_vote", _("vote")),
    )
    values = [(totals or {}).get(key, 0) for key, _label in kinds]
    chart.x_labels = [label for _key, label in kinds]
    top = max(values + [1])
    step = max(1, -(-top // 5))  # whole cases on the axis, about five lines
    chart.y_labels = list(range(0, top + step, step))
    chart.add(_("Cases"), values)
    return _svg(chart)


if __name__ == "__main__":
    sys.stdout.write(stylesheet())
