"""The pages a first visit tripped over, on a 390 px phone and a desktop, in
both languages: nothing runs past the screen's edge, no table is wider than
its box and no cell's text is cut, every status filter is in sight, and the
analysis charts show every category label whole. Link and button colours
meet WCAG AA on white, on the grey page and card headers, and on the overdue
row tint (axe-core's color-contrast rule)."""

import io

import pytest
from django.core.management import call_command

from committee_site.models import User
from tests.browser.axe import axe_violations
from tests.browser.conftest import DESKTOP, PHONE, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh-hans": "zh-CN", "en": "en-GB"}
PAGES = [
    "/inspections/notices/",
    "/inspections/notices/?show=all",
    "/complaints/dashboard/",
    "/complaints/dashboard/?status=open&sort=deadline",
    "/complaints/analysis/",
    "/mail/",
    "/mail/?show=recent",
]

# Everything on the page that a reader cannot see without scrolling sideways
# or that is cut off inside its box.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const pageWidth = document.scrollingElement.scrollWidth;
  if (pageWidth > width) problems.push(`the page is ${pageWidth} px wide on a ${width} px screen`);
  const text = (el) => el.innerText.replace(/\\s+/g, " ").trim().slice(0, 60);
  for (const table of document.querySelectorAll("main table")) {
    if (!table.offsetParent) continue;  // inside a closed <details>
    const box = table.parentElement;
    const tableWidth = table.getBoundingClientRect().width;
    if (tableWidth > box.clientWidth + 0.5) {
      const name = table.dataset.testid || text(table.rows[0]);
      problems.push(`table ${name} is ${Math.round(tableWidth)} px in a ${box.clientWidth} px box`);
    }
    for (const cell of table.querySelectorAll("th, td")) {
      if (cell.offsetParent && cell.scrollWidth > cell.clientWidth + 0.5) problems.push(`cell cut: ${text(cell)}`);
    }
  }
  for (const link of document.querySelectorAll("main .nav-pills .nav-link")) {
    const r = link.getBoundingClientRect();
    if (r.left < -0.5 || r.right > width + 0.5) problems.push(`filter out of sight: ${text(link)}`);
  }
  return problems;
}"""

CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll("canvas[data-chart]")];
  return canvases.length > 0 && window.Chart !== undefined && canvases.every((c) => window.Chart.getChart(c));
}"""

# Chart.js draws a category label wider than its axis's room cut at the
# canvas edge, skips labels that do not fit, and turns crowded ones.
CHART_PROBLEMS = """() => {
  const problems = [];
  for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
    const chart = window.Chart.getChart(canvas);
    const name = canvas.dataset.chart;
    if (!chart) { problems.push(`${name} not drawn`); continue; }
    for (const scale of Object.values(chart.scales)) {
      if (scale.type !== "category") continue;
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = window.Chart.helpers.toFont(scale.options.ticks.font).string;
      if (scale.isHorizontal()) {
        if (chart.config.type === "bar" && scale.labelRotation > 0) {
          problems.push(`${name}: labels turned ${Math.round(scale.labelRotation)}°`);
        }
      } else {
        if (scale.ticks.length < chart.data.labels.length) {
          problems.push(`${name}: ${scale.ticks.length} of ${chart.data.labels.length} labels shown`);
        }
        const room = scale.width - scale.options.ticks.padding;
        for (const tick of scale.ticks) {
          for (const line of [].concat(tick.label)) {
            const wide = ctx.measureText(line).width;
            if (wide > room + 0.5) {
              problems.push(`${name}: "${line}" is ${Math.round(wide)} px, its axis ${Math.round(room)} px`);
            }
          }
        }
      }
      ctx.restore();
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_first_visit_pages_fit_a_phone_and_their_links_and_buttons_meet_aa_contrast(
    new_page, shots, live_server, language
):
    call_command("seed_demo", stdout=io.StringIO())
    User.objects.update(language=language)
    problems: list[str] = []
    for viewport_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport=viewport, locale=LANGUAGES[language])
        page.context.add_cookies([session_cookie("committee", live_server.url)])
        for url in PAGES:
            assert page.goto(url).status == 200, url
            if url.startswith("/complaints/analysis/"):
                page.wait_for_function(CHARTS_DRAWN)
                problems += [f"{viewport_name} {url}: {p}" for p in page.evaluate(CHART_PROBLEMS)]
            problems += [f"{viewport_name} {url}: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
            shots.take(page, f"{url.strip('/').replace('/', '_').replace('?', '_')}-{viewport_name}-{language}")
        # Colours: the home page's card headers, the grey page under the
        # filters and buttons, the notices list whose overdue rows are tinted.
        for url in ["/", "/inspections/", *PAGES]:
            page.goto(url)
            problems += [f"{viewport_name}: {v}" for v in axe_violations(page, rules=["color-contrast"])]
            if url == "/inspections/notices/":
                assert page.locator("tr.table-danger a").count() >= 1, "the demo has overdue notices"
        assert page.js_errors == []
    assert problems == [], "\n".join(problems)
