#!/usr/bin/env python3
"""Checks natural-language judged query sets (bench/relevance/natural/*.tsv).

  check_sets.py SETS.tsv... --corpus=FILE.jsonl.gz... [--min-total=N] [--min-per-kind=N]
  (a positional argument ending in .jsonl.gz is taken as a corpus too)

Format of a set (see README.md): comment lines start with '#'; data lines are
  qid <TAB> split <TAB> kind <TAB> query <TAB> judgments
with judgments = space-separated GRADE:RULE, GRADE 1 or 2, RULE either
id=DOCID or field=value[&field=value...] over the documents' labels.

Checked: exactly 5 columns; qid unique over all files and shaped
<corpus>-<kind>-NN with the kind of column 3; split tune/heldout alternating
strictly within each (file, corpus, kind), starting with tune; kind known; query
non-empty without operators; every judgment well-formed; every id exists in
the corpus named by the qid prefix; every label rule matches at least one
document of that corpus; every query has at least one relevant document.
Exit status 1 on any error. The functions here are also used by
bench/relevance/evaluate.py --natural.
"""
import collections
import gzip
import json
import os
import re
import sys

KINDS = ("question", "known-item", "entity-alias", "topical")
SPLITS = ("tune", "heldout")
LABEL_FIELDS = ("topics", "places", "people", "orgs", "exchanges")
QID_RE = re.compile(r"^([a-z0-9]+)-(%s)-(\d{2,})$" % "|".join(re.escape(k) for k in KINDS))
ITEM_RE = re.compile(r"^([12]):(.+)$")


def corpus_name(path):
    """'.../reuters21578.jsonl.gz' -> 'reuters', '.../bbc.jsonl.gz' -> 'bbc'."""
    base = os.path.basename(path).split(".")[0]
    return re.sub(r"[\d_]+$", "", base) or base


def load_corpora(paths):
    """Returns {corpus name: {doc id: labels dict}}."""
    corpora = collections.OrderedDict()
    for path in paths:
        docs = corpora.setdefault(corpus_name(path), {})
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                docs[d["id"]] = d.get("labels") or {}
    return corpora


def read_sets(paths):
    """Yields (path, line number, fields) for every data line of every file."""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\n").rstrip("\r")
                if not line.strip() or line.startswith("#"):
                    continue
                yield path, number, line.split("\t")


def label_matches(labels, field, value):
    have = labels.get(field)
    if isinstance(have, list):
        return value in have
    if have is None:
        return False
    return str(have) == value


def parse_judgments(text):
    """'2:id=x 1:topics=a&places=b' -> [(2, [('id','x')]), (1, [('topics','a'), ('places','b')])].
    Raises ValueError on a malformed item."""
    items = []
    for token in text.split():
        m = ITEM_RE.match(token)
        if not m:
            raise ValueError("bad judgment item %r (want GRADE:RULE, GRADE 1 or 2)" % token)
        conditions = []
        for part in m.group(2).split("&"):
            if "=" not in part:
                raise ValueError("bad rule %r in %r (want field=value)" % (part, token))
            field, value = part.split("=", 1)
            if not field or not value:
                raise ValueError("empty field or value in %r" % token)
            conditions.append((field, value))
        if any(f == "id" for f, _ in conditions) and len(conditions) != 1:
            raise ValueError("id= cannot be combined with other conditions: %r" % token)
        items.append((int(m.group(1)), conditions))
    if not items:
        raise ValueError("no judgments")
    return items


def docs_for_qid(qid, corpora):
    """The documents a query is judged against: the corpus named by the qid prefix,
    or all loaded corpora when the prefix names none of them."""
    prefix = qid.split("-", 1)[0]
    if prefix in corpora:
        return corpora[prefix]
    merged = {}
    for docs in corpora.values():
        merged.update(docs)
    return merged


def graded_relevance(items, docs):
    """{doc id: grade} (max over matching items); also returns the items matching nothing."""
    grades, empty = {}, []
    for grade, conditions in items:
        if conditions[0][0] == "id":
            matched = [conditions[0][1]] if conditions[0][1] in docs else []
        else:
            matched = [doc_id for doc_id, labels in docs.items()
                       if all(label_matches(labels, f, v) for f, v in conditions)]
        if not matched:
            empty.append((grade, conditions))
        for doc_id in matched:
            grades[doc_id] = max(grades.get(doc_id, 0), grade)
    return grades, empty


def format_item(grade, conditions):
    return "%d:%s" % (grade, "&".join("%s=%s" % c for c in conditions))


def load_queries(set_paths, corpora):
    """Parsed queries [{qid, split, kind, query, corpus, grades, path}] (no validation)."""
    queries = []
    for path, _, fields in read_sets(set_paths):
        if len(fields) != 5:
            continue
        qid, split, kind, query, judgments = fields
        try:
            items = parse_judgments(judgments)
        except ValueError:
            items = []
        grades, _ = graded_relevance(items, docs_for_qid(qid, corpora))
        queries.append({"qid": qid, "split": split, "kind": kind, "query": query,
                        "corpus": qid.split("-", 1)[0], "grades": grades, "path": path})
    return queries


def check(set_paths, corpora, min_total=0, min_per_kind=0):
    """Returns (errors, warnings, summary lines)."""
    errors, warnings, summary = [], [], []
    seen = {}
    per_file = collections.defaultdict(lambda: collections.Counter())
    next_split = collections.defaultdict(int)
    for path, number, fields in read_sets(set_paths):
        where = "%s:%d" % (path, number)
        if len(fields) != 5:
            errors.append("%s: %d columns, want 5" % (where, len(fields)))
            continue
        qid, split, kind, query, judgments = fields
        if qid in seen:
            errors.append("%s: duplicate qid %s (first at %s)" % (where, qid, seen[qid]))
        seen[qid] = where
        m = QID_RE.match(qid)
        if not m:
            errors.append("%s: qid %r is not <corpus>-<kind>-NN" % (where, qid))
        elif m.group(2) != kind:
            errors.append("%s: qid %s names kind %s but column 3 is %r" % (where, qid, m.group(2), kind))
        if kind not in KINDS:
            errors.append("%s: unknown kind %r" % (where, kind))
        if split not in SPLITS:
            errors.append("%s: unknown split %r" % (where, split))
        else:
            key = (path, qid.split("-", 1)[0], kind)
            expected = SPLITS[next_split[key] % 2]
            if split != expected:
                errors.append("%s: %s is %s, but splits must alternate per kind (expected %s)"
                              % (where, qid, split, expected))
            next_split[key] += 1
        if not query.strip():
            errors.append("%s: empty query" % where)
        if '"' in query or re.search(r"(^|\s)[+-]\w|\b(AND|OR|NOT)\b", query):
            warnings.append("%s: query %r looks like it uses quotes or operators" % (where, query))
        try:
            items = parse_judgments(judgments)
        except ValueError as e:
            errors.append("%s: %s" % (where, e))
            continue
        docs = docs_for_qid(qid, corpora)
        if qid.split("-", 1)[0] not in corpora:
            warnings.append("%s: no corpus loaded for prefix %r; judged against all corpora"
                            % (where, qid.split("-", 1)[0]))
        for grade, conditions in items:
            for field, _ in conditions:
                if field != "id" and field not in LABEL_FIELDS:
                    known = any(field in labels for labels in docs.values())
                    (warnings if known else errors).append(
                        "%s: label field %r is not one of %s%s" % (
                            where, field, "/".join(LABEL_FIELDS),
                            "" if known else " and no document has it"))
        grades, empty = graded_relevance(items, docs)
        for grade, conditions in empty:
            what = "unknown id" if conditions[0][0] == "id" else "rule matches no document"
            errors.append("%s: %s: %s" % (where, what, format_item(grade, conditions)))
        if not grades:
            errors.append("%s: %s has no relevant document" % (where, qid))
        per_file[path][(kind, split)] += 1
    for path, counts in per_file.items():
        total = sum(counts.values())
        line = "%s: %d queries;" % (path, total)
        for kind in KINDS:
            n = counts[(kind, "tune")] + counts[(kind, "heldout")]
            line += " %s %d (tune %d / heldout %d);" % (kind, n, counts[(kind, "tune")],
                                                         counts[(kind, "heldout")])
            if n < min_per_kind:
                errors.append("%s: only %d %s queries, want at least %d" % (path, n, kind, min_per_kind))
        if total < min_total:
            errors.append("%s: only %d queries, want at least %d" % (path, total, min_total))
        summary.append(line.rstrip(";"))
    return errors, warnings, summary


def main():
    args = sys.argv[1:]
    corpus_paths = [a.split("=", 1)[1] for a in args if a.startswith("--corpus=")]
    corpus_paths += [a for a in args if not a.startswith("--") and a.endswith(".jsonl.gz")]
    set_paths = [a for a in args if not a.startswith("--") and not a.endswith(".jsonl.gz")]
    opt = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--") and "=" in a}
    if not set_paths or not corpus_paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    corpora = load_corpora(corpus_paths)
    errors, warnings, summary = check(set_paths, corpora, int(opt.get("--min-total", 0)),
                                      int(opt.get("--min-per-kind", 0)))
    for line in summary:
        print(line)
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    for e in errors:
        print("error: " + e, file=sys.stderr)
    print("%d error(s), %d warning(s)" % (len(errors), len(warnings)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
