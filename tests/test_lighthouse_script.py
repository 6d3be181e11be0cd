"""benchmarks/lighthouse.py reads Lighthouse's JSON report and prints scores and failing audits.

The fixture is a real Lighthouse 13.5 report of the dashboard (mobile), cut by the script's own trim_report to
the fields it reads. No Lighthouse runs here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from benchmarks import lighthouse

REPORT = json.loads((Path(__file__).parent / "fixtures" / "lighthouse_report.json").read_text())


@pytest.fixture
def report() -> dict:
    return copy.deepcopy(REPORT)


def test_category_scores_are_read_as_0_to_100(report):
    result = lighthouse.summarize("dashboard", report)
    assert result.scores == {"performance": 46, "accessibility": 100, "best-practices": 100, "seo": 66}
    assert result.url.endswith("/dashboard/")
    assert result.cpu_index == pytest.approx(1490.5)


def test_failing_audits_are_those_below_1_grouped_by_category_worst_first(report):
    failing = lighthouse.summarize("dashboard", report).failing
    assert [a.category for a in failing] == ["performance"] * 16 + ["seo"]
    performance = [a.score for a in failing if a.category == "performance"]
    assert performance == sorted(performance) and max(performance) < 1
    ids = {a.id for a in failing}
    assert {"cumulative-layout-shift", "total-blocking-time", "is-crawlable"} <= ids
    # Passing (1) and unscored (None: not applicable, manual) audits are left out.
    assert "document-title" not in ids and "redirects-http" not in ids


def test_a_failing_audit_says_where(report):
    audits = {a.id: a for a in lighthouse.summarize("dashboard", report).failing}
    crawl = audits["is-crawlable"]
    assert crawl.title == "Page is blocked from indexing" and crawl.where[0].endswith("/robots.txt")
    shift = audits["layout-shifts"]
    assert shift.display_value == "2 layout shifts found"
    assert shift.where[0].startswith('body.min-h-full > div.flex > div.min-w-0 > main#main  <main id="main"')


def test_an_audit_in_two_categories_is_listed_once(report):
    report["categories"]["accessibility"]["auditRefs"].append({"id": "is-crawlable", "weight": 1})
    failing = lighthouse.summarize("dashboard", report).failing
    assert [a.category for a in failing if a.id == "is-crawlable"] == ["accessibility"]


def test_the_printed_table_and_verdict(report):
    text = lighthouse.format_results([lighthouse.summarize("dashboard", report)])
    lines = text.splitlines()
    assert lines[0].split() == ["page", "performance", "accessibility", "best-practices", "seo"]
    assert lines[1].split() == ["dashboard", "46", "100", "100", "66"]
    assert lines[2] == "goal >= 95 in every cell -> MISSES goal: dashboard performance 46, dashboard seo 66"
    assert "  [seo] is-crawlable (0.00): Page is blocked from indexing" in lines
    assert any(line.startswith("      at ") and line.endswith("/robots.txt") for line in lines)


def test_a_page_meeting_the_goal_everywhere_says_so(report):
    for category in report["categories"].values():
        category["score"] = 0.97
    text = lighthouse.format_results([lighthouse.summarize("gallery", report)])
    assert text.splitlines()[1].split() == ["gallery", "97", "97", "97", "97"]
    assert "goal >= 95 in every cell -> meets goal" in text


def test_a_category_lighthouse_could_not_score_is_a_dash_and_misses_the_goal(report):
    report["categories"]["performance"]["score"] = None  # what Lighthouse reports when a metric errored
    result = lighthouse.summarize("landing", report)
    text = lighthouse.format_results([result])
    assert result.scores["performance"] is None
    assert text.splitlines()[1].split() == ["landing", "—", "100", "100", "66"]
    assert "MISSES goal: landing performance None" in text


def test_trimming_keeps_everything_the_summary_reads(report):
    assert lighthouse.summarize("d", lighthouse.trim_report(report)) == lighthouse.summarize("d", report)
