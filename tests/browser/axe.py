"""axe-core, run in the page the test has open.

The script is vendored under tests/browser/vendor/ (it is a test tool, so it
does not ship with the site's static files). It is evaluated through the
DevTools protocol rather than added as a <script>: the site's CSP forbids
inline scripts and the tests keep that policy on, so a page that breaks it
still shows up as a browser error."""

from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).with_name("vendor") / f"axe-core-{AXE_VERSION}" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

_RUN = """async (rules) => {
  // No preload: axe would re-read @import-ed stylesheets into inline <style>
  // elements (for the moderate css-orientation-lock rule), which the CSP blocks.
  const options = { resultTypes: ["violations"], preload: false };
  if (rules) { options.runOnly = { type: "rule", values: rules }; }
  const result = await window.axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      summary: (n.failureSummary || "").split("\\n").slice(1).join(" ").trim(),
    })),
  }));
}"""


def axe_violations(page, *, rules: list[str] | None = None) -> list[str]:
    """The serious and critical violations on the page, one line per element:
    rule id, page and target (and what axe says is wrong)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    found = page.evaluate(_RUN, rules)
    path = page.url.split("//", 1)[-1].split("/", 1)[-1]
    return [
        f"{violation['id']} ({violation['impact']}) on /{path}: {node['target']}: {node['summary']}"
        for violation in found
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]
