#!/usr/bin/env python3
"""MRR@10 and nDCG@10 (binary relevance) per query set and engine.

  evaluate.py QUERIES.tsv RUNS... --corpus=FILE.jsonl.gz... [--json=OUT]
  RUN is ENGINE=FILE with lines "QUERY_INDEX<TAB>RANK<TAB>ID".
Relevance rules (see queries.tsv) are evaluated against the corpora's labels.

Natural-language sets with graded judgments (bench/relevance/natural/README.md):

  evaluate.py --natural SETS.tsv... RUNS... --corpus=FILE.jsonl.gz... [--json=OUT]
  RUN is ENGINE=FILE with lines "QID<TAB>RANK<TAB>ID" (keyed by qid).
Reports, per corpus (from the qid prefix; "all" = every corpus) x kind x split
(tune, heldout) x engine: MRR@10 (first document of grade >= 1), nDCG@10 with
gains 2^grade-1 and the ideal ranking built from all judged documents, and the
zero-hit rate (fraction of queries for which the run returned no document).
The sets are checked first (natural/check_sets.py); any error aborts.
"""
import collections
import gzip
import json
import math
import os
import sys


def load_labels(paths):
    labels = {}
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                labels[d["id"]] = d.get("labels") or {}
    return labels


def relevant_ids(rule, labels):
    ids = set()
    for alternative in rule.split("|"):
        conditions = [c.split("=", 1) for c in alternative.split("&")]
        if len(conditions) == 1 and conditions[0][0] == "id":
            ids.add(conditions[0][1])
            continue
        for doc_id, doc_labels in labels.items():
            if all(value in (doc_labels.get(field) or []) for field, value in conditions):
                ids.add(doc_id)
    return ids


def natural_main(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "natural"))
    import check_sets

    corpora_paths = [a.split("=", 1)[1] for a in args if a.startswith("--corpus=")]
    json_out = next((a.split("=", 1)[1] for a in args if a.startswith("--json=")), None)
    positional = [a for a in args if not a.startswith("--")]
    runs = [a for a in positional if "=" in a and "/" not in a.split("=", 1)[0]]
    set_paths = [a for a in positional if a not in runs]
    if not set_paths or not corpora_paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    corpora = check_sets.load_corpora(corpora_paths)
    errors, _, _ = check_sets.check(set_paths, corpora)
    if errors:
        for e in errors:
            print("error: " + e, file=sys.stderr)
        return 1
    queries = check_sets.load_queries(set_paths, corpora)
    known = {q["qid"] for q in queries}
    splits = check_sets.SPLITS
    kinds = check_sets.KINDS + ("all",)
    corpus_names = ["all"] + sorted({q["corpus"] for q in queries})

    results = collections.OrderedDict()
    for run in runs:
        engine, path = run.split("=", 1)
        ranked = collections.defaultdict(list)
        unknown = set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                qid, rank, doc_id = line.rstrip("\n").split("\t")[:3]
                if qid not in known:
                    unknown.add(qid)
                ranked[qid].append((int(rank), doc_id))
        if unknown:
            print("warning: %s: %d qids not in the sets, e.g. %s"
                  % (engine, len(unknown), sorted(unknown)[:3]), file=sys.stderr)
        groups = collections.defaultdict(lambda: {"queries": 0, "mrr": 0.0, "ndcg": 0.0, "zero": 0})
        for q in queries:
            hits, seen = [], set()
            for _, doc_id in sorted(ranked.get(q["qid"], [])):
                if doc_id not in seen:
                    seen.add(doc_id)
                    hits.append(doc_id)
            grades = q["grades"]
            top = hits[:10]
            rr = next((1.0 / (k + 1) for k, d in enumerate(top) if grades.get(d, 0) >= 1), 0.0)
            dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(k + 2) for k, d in enumerate(top))
            ideal_grades = sorted(grades.values(), reverse=True)[:10]
            idcg = sum((2 ** g - 1) / math.log2(k + 2) for k, g in enumerate(ideal_grades))
            for corpus in ("all", q["corpus"]):
                for kind in (q["kind"], "all"):
                    s = groups[(corpus, kind, q["split"])]
                    s["queries"] += 1
                    s["mrr"] += rr
                    s["ndcg"] += dcg / idcg if idcg > 0 else 0.0
                    s["zero"] += 0 if hits else 1
        results[engine] = collections.OrderedDict()
        for corpus in corpus_names:
            for kind in kinds:
                for split in splits:
                    s = groups.get((corpus, kind, split))
                    if not s or not s["queries"]:
                        continue
                    n = s["queries"]
                    results[engine]["%s/%s/%s" % (corpus, kind, split)] = {
                        "corpus": corpus, "kind": kind, "split": split, "queries": n,
                        "mrr10": s["mrr"] / n, "ndcg10": s["ndcg"] / n, "zero_hit": s["zero"] / n}

    engines = list(results)
    header = "| corpus | kind | split | queries |"
    rule = "| --- | --- | --- | --- |"
    for e in engines:
        header += " %s MRR@10 | %s nDCG@10 | %s zero-hit |" % (e, e, e)
        rule += " --- | --- | --- |"
    print(header)
    print(rule)
    keys = []
    for engine_rows in results.values():
        for key in engine_rows:
            if key not in keys:
                keys.append(key)
    if not engines:
        for corpus in corpus_names:
            for kind in kinds:
                for split in splits:
                    n = sum(1 for q in queries if corpus in ("all", q["corpus"])
                            and kind in ("all", q["kind"]) and q["split"] == split)
                    if n:
                        print("| %s | %s | %s | %d |" % (corpus, kind, split, n))
    for key in keys:
        first = next(results[e][key] for e in engines if key in results[e])
        row = [first["corpus"], first["kind"], first["split"], str(first["queries"])]
        for e in engines:
            r = results[e].get(key)
            row += (["%.3f" % r["mrr10"], "%.3f" % r["ndcg10"], "%.3f" % r["zero_hit"]]
                    if r else ["-", "-", "-"])
        print("| " + " | ".join(row) + " |")
    if json_out:
        with open(json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    return 0


def main():
    args = sys.argv[1:]
    if "--natural" in args:
        sys.exit(natural_main([a for a in args if a != "--natural"]))
    corpora = [a.split("=", 1)[1] for a in args if a.startswith("--corpus=")]
    json_out = next((a.split("=", 1)[1] for a in args if a.startswith("--json=")), None)
    positional = [a for a in args if not a.startswith("--")]
    queries_path, runs = positional[0], positional[1:]
    queries = []
    with open(queries_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3:
                queries.append(fields)
    labels = load_labels(corpora)
    judged = [relevant_ids(q[2], labels) for q in queries]
    results = {}
    for run in runs:
        engine, path = run.split("=", 1)
        ranked = collections.defaultdict(list)
        with open(path, encoding="utf-8") as f:
            for line in f:
                index, rank, doc_id = line.rstrip("\n").split("\t")
                ranked[int(index)].append((int(rank), doc_id))
        per_set = collections.defaultdict(lambda: {"queries": 0, "mrr": 0.0, "ndcg": 0.0})
        for index, (set_name, _, _) in enumerate(queries):
            relevant = judged[index]
            hits = [doc_id for _, doc_id in sorted(ranked.get(index, []))][:10]
            rr = next((1.0 / (k + 1) for k, d in enumerate(hits) if d in relevant), 0.0)
            dcg = sum(1.0 / math.log2(k + 2) for k, d in enumerate(hits) if d in relevant)
            ideal = sum(1.0 / math.log2(k + 2) for k in range(min(10, len(relevant))))
            for name in (set_name, "all"):
                s = per_set[name]
                s["queries"] += 1
                s["mrr"] += rr
                s["ndcg"] += dcg / ideal if ideal > 0 else 0.0
        results[engine] = {
            name: {"queries": s["queries"], "mrr10": s["mrr"] / s["queries"],
                   "ndcg10": s["ndcg"] / s["queries"]}
            for name, s in per_set.items()}
    empty = [q[1] for q, j in zip(queries, judged) if not j]
    if empty:
        print("warning: queries without relevant documents: %s" % empty, file=sys.stderr)
    sets = sorted({q[0] for q in queries}) + ["all"]
    engines = list(results)
    print("| set | queries | " + " | ".join("%s MRR@10 / nDCG@10" % e for e in engines) + " |")
    print("| --- | --- |" + " --- |" * len(engines))
    for name in sets:
        row = [name, str(results[engines[0]][name]["queries"])]
        row += ["%.3f / %.3f" % (results[e][name]["mrr10"], results[e][name]["ndcg10"])
                for e in engines]
        print("| " + " | ".join(row) + " |")
    if json_out:
        with open(json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
