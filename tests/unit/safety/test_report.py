from medchat.safety.report import Finding, SafetyReport


def test_a_new_report_is_empty_and_not_an_emergency():
    report = SafetyReport()
    assert report.findings == [] and report.emergency is False and report.emergency_categories == []
    assert report.injection_score == 0.0 and report.redactions == 0 and report.language == "en"


def test_reports_do_not_share_their_findings():
    first, second = SafetyReport(), SafetyReport()
    first.add(Finding(check="triage", kind="cardiac", message="chest pain"))
    assert len(first.findings) == 1 and second.findings == []


def test_add_keeps_findings_in_order_with_their_details():
    report = SafetyReport()
    report.add(Finding(check="pii", kind="PHONE_NUMBER", message="phone", start=3, end=15, score=0.4,
                       action="redacted"))
    report.add(Finding(check="triage", kind="stroke", severity="critical", message="face drooping", action="escalated"))
    assert [f.kind for f in report.findings] == ["PHONE_NUMBER", "stroke"]
    assert report.findings[0].start == 3 and report.findings[0].end == 15 and report.findings[0].action == "redacted"
    assert report.findings[1].severity == "critical"
    assert Finding(check="x", kind="y", message="z").severity == "info"


def test_by_check_selects_one_check_and_its_named_sub_checks():
    report = SafetyReport()
    for check in ("triage", "pii", "validator:dosing", "validator:citations", "validators", "triage-extra"):
        report.add(Finding(check=check, kind="k", message=check))
    assert [f.check for f in report.by_check("triage")] == ["triage"]
    assert [f.check for f in report.by_check("validator")] == ["validator:dosing", "validator:citations"]
    assert [f.check for f in report.by_check("validator:dosing")] == ["validator:dosing"]
    assert report.by_check("injection") == []
