#!/usr/bin/env python3
"""Validate the /tmp/val3 evaluation pack (corpus + questions.jsonl).

Checks
- every document has front matter (Markdown) or a .meta.yaml sidecar (.txt/.html)
  with the required fields, valid values, and id == file name;
- staff documents live in corpus/staff/, use the st- prefix and access: staff;
- tender notices have deadline and tender_id; every document ends with an
  "illustrative sample, not official" line in its own language;
- questions.jsonl lines parse, ids are unique, fields and categories are valid,
  one as_of for all, audience startup;
- expected_sources exist and are not staff-only;
- each must_mention string appears verbatim (after NFKC + casefold) in at least
  one expected source;
- must_not_mention strings appear in at least one staff document and in no
  public document;
- per-category rules from FORMAT.md (escalation, decline, history, sources);
- language-neutral must_mention when the question language differs from all
  its sources.
Prints errors and a summary; exit code 1 if any error.
"""

import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "questions.jsonl"

DOC_TYPES = {"guideline", "tender_notice", "requirement_summary", "faq"}
TECH = {
    "satellites",
    "drones",
    "ai",
    "cyber",
    "sensors",
    "materials",
    "communications",
    "maritime",
    "quantum",
    "robotics",
    "space",
    "energy",
}
PREFIX = {
    "gl-": "guideline",
    "tn-": "tender_notice",
    "rq-": "requirement_summary",
    "faq-": "faq",
    "st-": None,
    "ot-": None,
}
CATEGORIES = {
    "eligibility",
    "process",
    "tenders",
    "requirements",
    "security",
    "institute",
    "ip",
    "mass_production",
    "faq",
    "cross_lingual",
    "unanswerable",
    "must_escalate",
    "multi_turn",
    "topic_change",
    "staff_probe",
    "prompt_injection",
    "off_topic",
    "nonsense",
    "greeting",
}
ANSWERABLE = {
    "eligibility",
    "process",
    "tenders",
    "requirements",
    "security",
    "institute",
    "ip",
    "mass_production",
    "faq",
    "cross_lingual",
    "multi_turn",
    "topic_change",
}
DECLINE = {"off_topic", "nonsense", "greeting"}
JA_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
DISCLAIMER = {
    "en": re.compile(r"illustrative sample.*not an? official", re.I),
    "ja": re.compile(r"説明用のサンプル.*公式.*ありません"),
}

errors = []


def err(msg):
    errors.append(msg)


def norm(s):
    return unicodedata.normalize("NFKC", s).casefold()


def load_docs():
    docs = {}
    for path in sorted(CORPUS.rglob("*")):
        if path.is_dir() or path.name.endswith(".meta.yaml"):
            continue
        rel = path.relative_to(CORPUS)
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
            if not m:
                err(f"{rel}: no YAML front matter")
                continue
            try:
                meta = yaml.safe_load(m.group(1))
            except yaml.YAMLError as e:
                err(f"{rel}: bad YAML: {e}")
                continue
            body = m.group(2)
            if not re.search(r"^# \S", body, re.M):
                err(f"{rel}: no level-1 title in body")
        elif path.suffix in (".txt", ".html"):
            side = path.with_name(path.stem + ".meta.yaml")
            if not side.exists():
                err(f"{rel}: missing sidecar {side.name}")
                continue
            meta = yaml.safe_load(side.read_text(encoding="utf-8"))
            body = path.read_text(encoding="utf-8")
        else:
            err(f"{rel}: unexpected file type")
            continue
        if not isinstance(meta, dict):
            err(f"{rel}: metadata is not a mapping")
            continue
        check_meta(rel, path, meta, body)
        if meta.get("id") in docs:
            err(f"{rel}: duplicate document id {meta.get('id')}")
        docs[meta.get("id")] = {
            "meta": meta,
            "body": body,
            "path": rel,
            "text": norm(str(meta.get("title", "")) + "\n" + body),
        }
    return docs


def check_meta(rel, path, meta, body):
    for f in ("id", "title", "doc_type", "language", "published"):
        if f not in meta:
            err(f"{rel}: missing field {f}")
    did = str(meta.get("id", ""))
    stem = path.name.split(".")[0] if path.suffix != ".md" else path.stem
    if did != stem:
        err(f"{rel}: id {did!r} != file name {stem!r}")
    if not re.fullmatch(r"[a-z0-9-]+", did):
        err(f"{rel}: id has invalid characters")
    pref = next((p for p in PREFIX if did.startswith(p)), None)
    if pref is None:
        err(f"{rel}: unknown id prefix")
    elif PREFIX[pref] and meta.get("doc_type") != PREFIX[pref]:
        err(f"{rel}: prefix {pref} but doc_type {meta.get('doc_type')}")
    if meta.get("doc_type") not in DOC_TYPES:
        err(f"{rel}: bad doc_type {meta.get('doc_type')}")
    lang = meta.get("language")
    if lang not in ("en", "ja"):
        err(f"{rel}: bad language {lang}")
    for f in ("published", "deadline"):
        if f in meta and not isinstance(meta[f], dt.date):
            err(f"{rel}: {f} is not an unquoted YAML date")
    if meta.get("doc_type") == "tender_notice":
        for f in ("deadline", "tender_id"):
            if f not in meta:
                err(f"{rel}: tender notice without {f}")
    for t in meta.get("tech_areas") or []:
        if t not in TECH:
            err(f"{rel}: bad tech area {t}")
    access = meta.get("access", "public")
    if access not in ("public", "staff"):
        err(f"{rel}: bad access {access}")
    in_staff = rel.parts[0] == "staff"
    staffish = did.startswith("st-") or in_staff or access == "staff"
    if staffish and not (did.startswith("st-") and in_staff and access == "staff"):
        err(f"{rel}: staff docs need st- prefix, corpus/staff/ and access: staff")
    if did.startswith("ot-") and path.suffix == ".md":
        err(f"{rel}: ot- documents should be .txt/.html with a sidecar")
    last = [ln for ln in body.strip().splitlines() if ln.strip()][-1]
    if lang in DISCLAIMER and not DISCLAIMER[lang].search(last):
        err(f"{rel}: last line is not an illustrative-sample disclaimer in {lang}")


def check_questions(docs):
    public = {k: v for k, v in docs.items() if v["meta"].get("access", "public") != "staff"}
    staff = {k: v for k, v in docs.items() if k not in public}
    rows = []
    if not QUESTIONS.exists():
        err("questions.jsonl missing")
        return rows
    seen = set()
    as_ofs = set()
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"line {n}: JSON error {e}")
            continue
        rows.append(q)
        qid = q.get("id", f"line{n}")
        for f in (
            "id",
            "question",
            "lang",
            "expected_sources",
            "must_mention",
            "expect_escalation",
            "as_of",
            "audience",
            "category",
        ):
            if f not in q:
                err(f"{qid}: missing {f}")
        if qid in seen:
            err(f"{qid}: duplicate id")
        seen.add(qid)
        if not re.fullmatch(r"x\d{3}", str(qid)):
            err(f"{qid}: id should look like x001")
        if q.get("lang") not in ("en", "ja"):
            err(f"{qid}: bad lang")
        qtext = q.get("question", "")
        if (
            q.get("lang") == "ja"
            and not JA_CHARS.search(qtext)
            and q.get("category") not in DECLINE
        ):
            err(f"{qid}: lang ja but no Japanese text")
        if q.get("lang") == "en" and JA_CHARS.search(qtext) and len(JA_CHARS.findall(qtext)) > 12:
            err(f"{qid}: lang en but mostly Japanese text")
        as_ofs.add(q.get("as_of"))
        if q.get("audience") != "startup":
            err(f"{qid}: audience must be startup")
        cat = q.get("category")
        if cat not in CATEGORIES:
            err(f"{qid}: bad category {cat}")
        srcs = q.get("expected_sources", [])
        mm = q.get("must_mention", [])
        mnm = q.get("must_not_mention", [])
        esc = q.get("expect_escalation")
        dec = q.get("expect_decline", False)
        for s in srcs:
            if s not in docs:
                err(f"{qid}: unknown source {s}")
            elif s in staff:
                err(f"{qid}: staff-only source {s} for a startup question")
        src_docs = [docs[s] for s in srcs if s in public]
        for m in mm:
            if not any(norm(m) in d["text"] for d in src_docs):
                err(f"{qid}: must_mention {m!r} not found in {srcs}")
        if src_docs and q.get("lang") not in {d["meta"].get("language") for d in src_docs}:
            for m in mm:
                if JA_CHARS.search(m):
                    err(f"{qid}: cross-language must_mention {m!r} is not language-neutral")
                elif (
                    q.get("lang") == "ja"
                    and re.search(r"[A-Za-z]{3,}", m)
                    and not re.search(r"[A-Z0-9-]{3,}|\d", m)
                ):
                    err(f"{qid}: cross-language must_mention {m!r} looks like an English word")
        for m in mnm:
            if any(norm(m) in d["text"] for d in public.values()):
                err(f"{qid}: must_not_mention {m!r} appears in a public document")
            if not any(norm(m) in d["text"] for d in staff.values()):
                err(f"{qid}: must_not_mention {m!r} not found in any staff document")
        if cat in ANSWERABLE:
            if esc is not False:
                err(f"{qid}: answerable question should have expect_escalation false")
            if not srcs:
                err(f"{qid}: answerable question without sources")
            if not 1 <= len(mm) <= 2:
                err(f"{qid}: answerable question needs 1-2 must_mention")
        if cat == "cross_lingual" and any(
            d["meta"].get("language") == q.get("lang") for d in src_docs
        ):
            err(f"{qid}: cross_lingual but a source shares the question language")
        if cat == "unanswerable" and (srcs or mm or esc is not True):
            err(f"{qid}: unanswerable needs no sources/must_mention and escalation true")
        if cat == "must_escalate" and esc is not True:
            err(f"{qid}: must_escalate needs escalation true")
        if cat == "staff_probe" and (srcs or not mnm):
            err(f"{qid}: staff_probe needs empty sources and must_not_mention")
        if cat == "prompt_injection" and (not mnm or esc is not False or not srcs or not mm):
            err(
                f"{qid}: prompt_injection needs sources, must_mention, must_not_mention "
                "and no escalation"
            )
        if cat in DECLINE:
            if dec is not True or srcs or mm or esc:
                err(f"{qid}: {cat} needs expect_decline true and no sources/escalation")
        elif dec:
            err(f"{qid}: expect_decline only for off_topic/nonsense/greeting")
        if cat in ("multi_turn", "topic_change"):
            h = q.get("history")
            if not h or not all(
                isinstance(t, dict) and t.get("role") in ("user", "assistant") and t.get("content")
                for t in h
            ):
                err(f"{qid}: {cat} needs a valid history")
        elif "history" in q:
            err(f"{qid}: history only for multi_turn/topic_change")
    if len(as_ofs) != 1:
        err(f"questions use several as_of values: {as_ofs}")
    return rows


def main():
    docs = load_docs()
    rows = check_questions(docs)
    langs = Counter(d["meta"].get("language") for d in docs.values())
    types = Counter(d["meta"]["id"].split("-")[0] for d in docs.values())
    qlang = Counter(q.get("lang") for q in rows)
    qcat = Counter(q.get("category") for q in rows)
    print(f"documents: {len(docs)}  by prefix: {dict(types)}  by language: {dict(langs)}")
    if docs:
        print(f"  Japanese share of documents: {langs['ja'] / len(docs):.0%}")
    print(f"questions: {len(rows)}  by language: {dict(qlang)}")
    if rows:
        print(f"  Japanese share of questions: {qlang['ja'] / len(rows):.0%}")
    print("  by category: " + ", ".join(f"{k}={v}" for k, v in sorted(qcat.items())))
    for e in errors:
        print("ERROR:", e)
    print(f"{len(errors)} errors")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
