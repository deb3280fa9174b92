"""JUnit XML output (``--output-format junit``) for CI systems that show test reports.

One ``<testsuites>`` root holding one ``<testsuite name="padlint">``.  Every finding is
a ``<testcase>`` with a ``<failure>`` (its ``type`` is the rule code); every checked
file without findings is a passing ``<testcase>``.  When only the number of checked
files is known (not their names), the clean ones are summed up in one passing test
case, so ``tests`` still counts what was checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree as ET

from padlint.static.findings import Finding

SUITE_NAME = "padlint"


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry: control characters are dropped,
    lone surrogates (from file names that are not UTF-8) become U+FFFD."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif ch in "\t\n\r" or (code >= 0x20 and code not in (0xFFFE, 0xFFFF)):
            out.append(ch)
    return "".join(out)


def _case(suite: ET.Element, classname: str, name: str, **attrs: str) -> ET.Element:
    case = ET.SubElement(suite, "testcase", {"classname": _clean(classname), "name": _clean(name), "time": "0"})
    for key, value in attrs.items():
        case.set(key, _clean(value))
    return case


def junit(findings: list[Finding], files_checked: int | Iterable[str] = 0) -> str:
    """The JUnit XML report of ``findings``.

    ``files_checked``: the names of the checked files, or just how many there were.
    """
    names: list[str] | None
    if isinstance(files_checked, int):
        names, count = None, files_checked
    else:
        names = list(dict.fromkeys(files_checked))
        count = len(names)
    with_findings = list(dict.fromkeys(f.filename for f in findings))
    clean_names = [n for n in names if n not in set(with_findings)] if names is not None else None
    clean_count = len(clean_names) if clean_names is not None else max(count - len(with_findings), 0)

    root = ET.Element("testsuites", {"name": SUITE_NAME})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME})
    for f in findings:
        case = _case(suite, f.filename, f"{f.code} {f.name} at {f.row}:{f.column}",
                     file=f.filename, line=str(f.row))
        failure = ET.SubElement(case, "failure", {"message": _clean(f.message), "type": f.code})
        body = f"{f.filename}:{f.row}:{f.column}: {f.code} {f.message}"
        if f.source_line:
            body += f"\n    {f.source_line.strip()}"
        if f.url:
            body += f"\nSee {f.url}"
        failure.text = _clean(body)
    tests = len(findings)
    if clean_names is not None:
        for name in clean_names:
            _case(suite, name, "no padding findings", file=name)
        tests += len(clean_names)
    elif clean_count:
        plural = "s" if clean_count != 1 else ""
        _case(suite, SUITE_NAME, f"{clean_count} checked file{plural} without findings")
        tests += 1
    if tests == 0:
        _case(suite, SUITE_NAME, "no files checked")
        tests = 1
    for element in (root, suite):
        element.set("tests", str(tests))
        element.set("failures", str(len(findings)))
        element.set("errors", "0")
        element.set("time", "0")
    suite.set("skipped", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
