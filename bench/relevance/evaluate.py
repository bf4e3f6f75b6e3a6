#!/usr/bin/env python3
"""MRR@10 and nDCG@10 (binary relevance) per query set and engine.

  evaluate.py QUERIES.tsv RUNS... --corpus=FILE.jsonl.gz... [--json=OUT]
  RUN is ENGINE=FILE with lines "QUERY_INDEX<TAB>RANK<TAB>ID".
Relevance rules (see queries.tsv) are evaluated against the corpora's labels.
"""
import collections
import gzip
import json
import math
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


def main():
    args = sys.argv[1:]
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
