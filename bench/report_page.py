"""Measure the report page against its budgets: under 8 MB, interactive within 3 s of load in headless Chromium,
a simulation within 200 ms. Never run by the tests (the figures depend on the machine and its load).

    python -m bench.report_page                                  # data/report/index.html, 5 loads
    python -m bench.report_page --page PATH --runs 9 --json FILE

Each load is a fresh browser context (no cache) with the network off. "Interactive" is the moment, counted from
navigation start, at which the page's script has run (window.g287 exists), the growth and cancellations charts
are drawn and the main thread is free: the end of the last long task (over 50 ms, PerformanceObserver) seen in
the 3 s after the `load` event, if later. The maps are drawn when the reader scrolls to them (their own time is
printed too: the county map scrolled into view, until drawn). Simulations are timed
inside the page (performance.now around window.g287.simulate): every preset, every Georgia sheriff signing WSO,
every municipal police department of the country signing JEM (the largest selection) and the end of TFM; the
first call of each is "cold" (its baseline list's coverage is computed then), the others reuse it.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGETS = {"bytes": 8 * 1024 * 1024, "interactive_ms": 3000, "simulate_ms": 200}
CHARTS = ["growth-chart", "cancellations-chart"]
READY_PROBE = """
window.__ready = null;
window.__longTasks = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) { window.__longTasks.push(entry.startTime + entry.duration); }
}).observe({type: 'longtask', buffered: true});
const charts = CHARTS;
const check = () => {
  if (window.__ready === null && window.g287
      && charts.every(id => { const e = document.getElementById(id); return e && e.querySelector('svg, canvas'); })) {
    window.__ready = performance.now();
  }
};
new MutationObserver(check).observe(document, {subtree: true, childList: true});
""".replace("CHARTS", json.dumps(CHARTS))
OWN_SCENARIOS = {
    "georgia_sheriffs_wso": [{"sign": {"model": "WSO", "states": ["GA"], "level": "county"}}],
    "every_police_department_jem": [{"sign": {"model": "JEM", "level": "municipal"}}],
    "tfm_ends": [{"end": {"model": "TFM"}}],
}
TIME_SIMULATION = """([operations, baseline, repeats]) => {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    window.g287.simulate(operations, baseline);
    times.push(performance.now() - start);
  }
  return times;
}"""


def scenarios() -> dict[str, tuple[list, str | None]]:
    found = {}
    for path in sorted((PROJECT_ROOT / "data" / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        baseline = data.get("baseline")
        found[data["name"]] = (
            json.loads(json.dumps(data["operations"], default=str)),
            str(baseline) if baseline else None,
        )
    return found | {name: (operations, None) for name, operations in OWN_SCENARIOS.items()}


def measure(page_path: Path, runs: int, repeats: int) -> dict:
    samples: dict = {"interactive_ms": [], "load_ms": [], "map_ms": [], "simulate_ms": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(runs):
            context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
            page = context.new_page()
            page.add_init_script(READY_PROBE)
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("window.__ready !== null", timeout=60_000)
            page.wait_for_timeout(3000)
            samples["interactive_ms"].append(page.evaluate("Math.max(window.__ready, ...window.__longTasks)"))
            samples["load_ms"].append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            started = page.evaluate("performance.now()")
            page.locator("#county-map").scroll_into_view_if_needed()
            page.wait_for_selector("#county-map canvas", timeout=60_000)
            samples["map_ms"].append(page.evaluate("performance.now()") - started)
            context.close()
        context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
        page = context.new_page()
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("window.g287 !== undefined")
        for name, (operations, baseline) in scenarios().items():
            samples["simulate_ms"][name] = page.evaluate(TIME_SIMULATION, [operations, baseline, repeats])
        context.close()
        browser.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=PROJECT_ROOT / "data" / "report" / "index.html")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    size = args.page.stat().st_size
    samples = measure(args.page, args.runs, args.repeats)
    interactive = statistics.median(samples["interactive_ms"])
    print(f"page           {args.page} {size:,} bytes ({size / 1024 / 1024:.2f} MiB; budget < 8 MiB)")
    print(
        f"interactive    median {interactive:,.0f} ms of {args.runs} loads "
        f"(min {min(samples['interactive_ms']):,.0f}, max {max(samples['interactive_ms']):,.0f}; budget 3,000 ms); "
        f"load event median {statistics.median(samples['load_ms']):,.0f} ms"
    )
    print(
        f"county map     drawn {statistics.median(samples['map_ms']):,.0f} ms (median) after it is scrolled to"
    )
    worst = 0.0
    for name, times in samples["simulate_ms"].items():
        warm = times[1:] or times
        worst = max(worst, *times)
        print(
            f"simulate       {name:<30} cold {times[0]:7.1f} ms, warm median {statistics.median(warm):6.1f} ms"
        )
    print(f"slowest simulation {worst:.1f} ms (budget 200 ms)")
    within = (
        size < BUDGETS["bytes"] and interactive < BUDGETS["interactive_ms"] and worst < BUDGETS["simulate_ms"]
    )
    print("within budgets" if within else "OVER BUDGET")
    if args.json:
        args.json.write_text(json.dumps({"bytes": size, **samples}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
