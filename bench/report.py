"""Turns bench/run's JSON lines into a Markdown report (machine, versions,
commands, medians with min-max, ratios against the peers) and gnuplot PNGs of
the growth stage next to it."""
import json
import os
import platform
import statistics
import subprocess
import sys


def sh(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def engine_section(rows):
    lines = ["## Search cores in-process (stage `engine`)", "",
             "Each engine indexes the same documents (title + body) and answers the same "
             "two-word queries, single-threaded, in-process, top 10: 400 generated from the "
             "corpus (200 AND, 200 OR; seed 20261124) and, for Reuters, 40 hand-written (20 AND, "
             "20 OR), reported apart below. Every repetition builds the four indexes, then runs "
             "the engines' query phases one after the other, the order rotated between "
             "repetitions; each query phase is a warm-up pass and five timed passes (p50/p99 "
             "over every timed query, queries/s the median of the passes). newsgraph indexes in "
             "synced batches of 256 and then merges into one segment and compacts, Lucene++ "
             "calls optimize(), Xapian compacts into a new database, FTS5 runs 'optimize' and "
             "VACUUM. newsgraph's queries return the hits' stored fields (SEARCH_VIEW_BASIC), "
             "the peers return document ids. newsgraph's index size counts its stored documents (for "
             "snippets); the peers store none.", ""]
    latency = [
        ("and_p50_us", "AND p50 µs", "{:.1f}"),
        ("and_p99_us", "AND p99 µs", "{:.1f}"),
        ("or_p50_us", "OR p50 µs", "{:.1f}"),
        ("or_p99_us", "OR p99 µs", "{:.1f}"),
    ]
    latency_keys = {key for key, _, _ in latency}
    metrics = [
        ("docs_per_second", "index docs/s", "{:.0f}"),
        ("index_to_raw", "index size / raw text", "{:.2f}"),
    ] + latency + [("qps", "queries/s", "{:.0f}")]
    for dataset in sorted({r["dataset"] for r in rows}):
        subset = [r for r in rows if r["dataset"] == dataset]
        engines = sorted({r["engine"] for r in subset}, key=lambda e: (e != "newsgraph", e))
        lines += [f"### {dataset} ({subset[0]['documents']} documents)", ""]
        # The query groups (older results have none: all queries as one).
        groups = []
        for r in subset:
            for name in r.get("groups", {}):
                if name not in groups:
                    groups.append(name)
        medians = {}
        body = []

        def add_row(label, fmt, value):
            cells = [label]
            for engine in engines:
                values = [v for v in (value(r) for r in subset if r["engine"] == engine)
                          if v is not None]
                if not values:
                    cells.append("")
                    continue
                medians[(engine, label)] = statistics.median(values)
                cells.append(median_cell(values, fmt))
            body.append(cells)

        for key, label, fmt in metrics:
            if key in latency_keys and groups:
                for group in groups:
                    first = next(r["groups"][group] for r in subset if group in r.get("groups", {}))
                    count = first["and" if key.startswith("and") else "or"]
                    add_row(f"{label}, {group} ({count})", fmt,
                            lambda r, g=group, k=key: r.get("groups", {}).get(g, {}).get(k))
            else:
                add_row(label, fmt, lambda r, k=key: r.get(k))
        lines += table(["metric"] + engines, body)
        busy = [r for r in subset if r.get("cpu_idle") is False]
        if busy:
            lines += [f"The CPU was not idle (other processes used 0.3 cores or more) before "
                      f"{len(busy)} of {len(subset)} engine runs: "
                      + ", ".join(sorted({f"{r['engine']} rep {r.get('repetition', '?')}"
                                          for r in busy})) + ".", ""]
        split = [r for r in subset if r["engine"] == "newsgraph" and "inverted_index_to_raw" in r]
        if split:
            inverted = statistics.median(r["inverted_index_to_raw"] for r in split)
            stored = statistics.median(r["stored_documents_to_raw"] for r in split)
            lines += [f"newsgraph's index size splits into the inverted index (posting lists, "
                      f"dictionary, norms, names) at {inverted:.2f}× the raw text and the stored "
                      f"documents at {stored:.2f}× (the peers store none).", ""]
        lines += ["Ratios newsgraph / peer (below 1 is better for latency and size, above 1 "
                  "for throughput):", ""]
        for engine in engines:
            if engine == "newsgraph":
                continue
            parts = [f"{row[0]} {medians[('newsgraph', row[0])] / medians[(engine, row[0])]:.2f}"
                     for row in body
                     if medians.get((engine, row[0])) and ("newsgraph", row[0]) in medians]
            lines.append(f"- vs {engine}: " + ", ".join(parts))
        lines.append("")
    return lines


def median_cell(values, fmt):
    """Median, with min-max when there are several values."""
    m = statistics.median(values)
    cell = fmt.format(m)
    if len(values) > 1:
        cell += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return cell


def ingest_section(rows):
    lines = ["## Ingest over gRPC until indexed (stage `ingest`)", "",
             "BatchIngester (one stream, 512 in flight) into a fresh daemon each repetition; "
             "acknowledgements are durable (synced, group-committed). Ack latency runs from "
             "handing a document to the stream to its acknowledgement; indexed docs/s counts "
             "until every document is INDEXED (entity extraction and indexing through the "
             "pipeline). Medians (min–max) over the repetitions.", ""]
    groups = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["deployment"]), []).append(r)
    body = []
    for (dataset, deployment), group in groups.items():
        rss = group[0].get("peak_rss_mib")
        if isinstance(rss, dict):
            rss = ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
        body.append([dataset, deployment, group[0]["documents"], len(group),
                     median_cell([r["ack_docs_per_second"] for r in group], "{:.0f}"),
                     median_cell([r["ack_mb_per_second"] for r in group], "{:.1f}"),
                     median_cell([r["ack_p50_us"] / 1000 for r in group], "{:.0f}") + " / " +
                     median_cell([r["ack_p99_us"] / 1000 for r in group], "{:.0f}"),
                     median_cell([r["indexed_docs_per_second"] for r in group], "{:.0f}"),
                     f"{group[0]['indexed']} / {group[0]['failed']}",
                     rss if rss is not None else ""])
    return lines + table(["dataset", "deployment", "documents", "runs", "ack docs/s", "ack MB/s",
                          "ack p50 / p99 ms", "indexed docs/s", "indexed / failed",
                          "peak RSS MiB"], body)


def ingest_latency_section(rows):
    if not rows:
        return []
    lines = ["## Ingest to searchable at a steady rate (stage `ingest-latency`)", "",
             "Reuters-21578 stories offered to a fresh newsgraphd at a fixed rate (open loop: each "
             "story has a scheduled send time) as IngestDocument calls with wait_until_indexed, "
             "which return once the story is INDEXED and found by searches. Latency runs from the "
             "scheduled time to that answer, after a warm-up; stories the daemon already held "
             "(exact duplicates) are left out. Medians (min–max) over the repetitions.", ""]
    body = []
    for rate in sorted({r["rate"] for r in rows}):
        group = [r for r in rows if r["rate"] == rate]
        body.append([f"{rate:.0f}", len(group), group[0]["measured"],
                     median_cell([r["indexed_p50_ms"] for r in group], "{:.1f}"),
                     median_cell([r["indexed_p90_ms"] for r in group], "{:.1f}"),
                     median_cell([r["indexed_p99_ms"] for r in group], "{:.1f}"),
                     median_cell([r["indexed_max_ms"] for r in group], "{:.0f}"),
                     sum(r["errors"] for r in group)])
    return lines + table(["offered docs/s", "runs", "measured stories", "p50 ms", "p90 ms",
                          "p99 ms", "max ms", "errors"], body)


def grpc_section(rows):
    lines = ["## gRPC calls (stage `grpc`)", "",
             "Closed-loop async load generator on the same machine (2 cores shared by client and "
             "server), medians (min–max) of the repetitions. `noop` is "
             "grpc.health.v1.Health/Check on the same server (the floor); `search_basic` is the "
             "in-process benchmark's request (no entity resolution, stored fields only); "
             "`search_full` is the default request (entity resolution through the entity "
             "service, highlighted passages); `annotate` is EntityService.AnnotateDocument on "
             "documents of about 1,000 words (each call a new version: recognized, resolved and "
             "stored anew).", ""]
    groups = {}
    for r in rows:
        groups.setdefault((r["call"], r["inflight"]), []).append(r)
    order = {"noop": 0, "search_basic": 1, "search_full": 2, "annotate": 3}
    body = []
    for (call, inflight), group in sorted(groups.items(),
                                          key=lambda kv: (kv[0][1], order.get(kv[0][0], 9))):
        p50 = statistics.median(r["p50_us"] for r in group)
        gap = ""
        if call.startswith("search") and ("noop", inflight) in groups:
            gap = f"{p50 - statistics.median(r['p50_us'] for r in groups[('noop', inflight)]):+.0f}"
        body.append([inflight, call, median_cell([r["p50_us"] for r in group], "{:.0f}"),
                     median_cell([r["p99_us"] for r in group], "{:.0f}"),
                     median_cell([r["qps"] for r in group], "{:.0f}"), gap,
                     sum(r["errors"] for r in group)])
    return lines + table(["in flight", "call", "p50 µs", "p99 µs", "calls/s",
                          "p50 − noop p50 µs", "errors"], body)


def grpc_metrics_section(rows):
    if not rows:
        return []
    lines = ["## What metrics cost (stage `grpc-metrics`)", "",
             "newsgraphd restarted on the Reuters index without and with `--metrics_listen` in "
             "turn (scraped every second while the load runs); one call in flight. Medians "
             "(min–max) of the repetitions.", ""]
    body = []
    for call in ("noop", "search_basic"):
        cells = {}
        for metrics in ("off", "on"):
            group = [r for r in rows if r["call"] == call and r.get("metrics") == metrics]
            if group:
                cells[metrics] = (median_cell([r["p50_us"] for r in group], "{:.0f}"),
                                  statistics.median(r["p50_us"] for r in group))
        if len(cells) == 2:
            body.append([call, cells["off"][0], cells["on"][0],
                         f"{round(cells['on'][1] - cells['off'][1]):+d}"])
    return lines + table(["call", "p50 µs, metrics off", "p50 µs, metrics on", "on − off µs"],
                         body)


def relevance_section(rows):
    lines = ["## Relevance (stage `relevance`)", "",
             "Judged queries in bench/relevance/queries.tsv (topic queries judged by Reuters "
             "topic labels; entity queries naming an organisation or country differently from "
             "the text, judged by Reuters org/place labels; seed-document queries) plus known-"
             "item queries drawn from Reuters headlines at run time. Binary relevance, top 10. The "
             "peers run with their usual defaults: the query's words joined with OR, English "
             "stemming, titles weighted.", ""]
    for r in rows:
        engines = [e for e in r if e not in ("stage", "dataset", "command")]
        sets = sorted(r[engines[0]], key=lambda s: (s == "all", s))
        body = [[s, r[engines[0]][s]["queries"]] +
                [f"{r[e][s]['mrr10']:.3f} / {r[e][s]['ndcg10']:.3f}" for e in engines] for s in sets]
        lines += table(["set", "queries"] + [f"{e} MRR@10 / nDCG@10" for e in engines], body)
    return lines


def natural_relevance_section(rows):
    lines = ["## Relevance on the natural sets (stage `relevance-natural`)", "",
             "The frozen, hand-judged sets in bench/relevance/natural/ (question, known-item, "
             "entity-alias and topical queries over Reuters-21578, BBC News and the seeds; graded "
             "nDCG). Ranking defaults were tuned on the tune half only; the held-out half is "
             "reported apart. Cells: MRR@10 / nDCG@10 / zero-hit rate.", ""]
    for r in rows:
        engines = [e for e in r if e not in ("stage", "dataset", "command")]
        keys = [k for k in r[engines[0]] if k.startswith("all/")]
        body = []
        for k in keys:
            first = r[engines[0]][k]
            body.append([first["kind"], first["split"], first["queries"]] +
                        [f"{r[e][k]['mrr10']:.3f} / {r[e][k]['ndcg10']:.3f} / "
                         f"{r[e][k]['zero_hit']:.2f}" for e in engines])
        lines += table(["kind", "split", "queries"] + engines, body)
    return lines


def resources_section(rows):
    lines = ["## Resources and start-up (stage `resources`)", "",
             "After the ingest stage: the all-in-one daemon's peak RSS, its data directory "
             "against the raw text, the time from starting it again to the first answered "
             "search, and (stopped) opening its search store in-process to the first query.", ""]
    body = [[r["dataset"], r["documents"], f"{r['peak_rss_mib']:.0f}",
             f"{r['data_bytes'] / r['raw_bytes']:.2f}", f"{r['search_bytes'] / r['raw_bytes']:.2f}",
             r["restart_to_first_query_ms"], f"{r['open_to_first_query_ms']:.0f}", r["segments"],
             f"{r['p50_us']:.0f} / {r['p99_us']:.0f}"] for r in rows]
    return lines + table(["dataset", "documents", "peak RSS MiB", "data dir / raw",
                          "search store / raw", "restart → first query ms",
                          "open store → first query ms", "segments",
                          "in-process query p50 / p99 µs"], body)


def entity_section(rows):
    lines = ["## Entity recognition (stage `entity`)", "",
             "The shipped model on CoNLL-2003 eng.testb (exact spans, conlleval semantics); "
             "tagging speed on one thread, best of three passes, pre-tokenized.", ""]
    raw = [r for r in rows if r.get("kind") == "raw_text"]
    for r in rows:
        if r.get("kind") == "raw_text":
            continue
        types = [t for t in ("PER", "ORG", "LOC", "MISC", "all") if t in r]
        lines += table(["type", "precision", "recall", "F1"],
                       [[t, f"{r[t]['precision']:.4f}", f"{r[t]['recall']:.4f}",
                         f"{r[t]['f1']:.4f}"] for t in types])
        memory = f", weights in memory {r['weight_mb']:.1f} MB" if "weight_mb" in r else ""
        lines += [f"Tagging speed: {r['tokens_per_second']:.0f} tokens/s ({r['test_tokens']} tokens)"
                  f"{memory}.", ""]
    if raw:
        lines += ["Raw text to typed mentions in process, one thread (sentence splitting, "
                  "tokenization, both tagger passes, the date/amount grammar; no resolution or "
                  "storage), best of three passes; RSS added by loading the recognizer:", ""]
        lines += table(["dataset", "documents", "words", "words/s", "ms per 1,000 words",
                        "mentions", "model load s", "model RSS MiB"],
                       [[r["dataset"], r["documents"], r["words"], f"{r['words_per_second']:.0f}",
                         f"{r['ms_per_1000_words']:.2f}", r["mentions"],
                         f"{r['model_load_seconds']:.2f}", f"{r['model_rss_mib']:.1f}"]
                        for r in raw])
    return lines


def growth_section(rows, out):
    lines = ["## Growth (stage `growth`)", "",
             "Corpora synthesized from Reuters-21578 by recombining its sentences with a fixed "
             "seed (bench/common SynthesizeCorpus): real vocabulary and Reuters lengths; many "
             "Reuters sentences are short formulaic lines, so some synthesized documents come "
             "out alike (see the synthetic row of stage `ingest` for how many ingest's duplicate "
             "detector flagged). In-process build (as in stage `engine`) and the same query "
             "set.", ""]
    body = []
    series = {}
    for r in sorted(rows, key=lambda r: (r["documents"], r["engine"])):
        body.append([r["documents"], r["engine"], f"{r['docs_per_second']:.0f}",
                     f"{r['index_to_raw']:.2f}", f"{r['and_p50_us']:.0f} / {r['and_p99_us']:.0f}",
                     f"{r['or_p50_us']:.0f} / {r['or_p99_us']:.0f}"])
        series.setdefault(r["engine"], []).append(r)
    lines += table(["documents", "engine", "index docs/s", "index / raw", "AND p50 / p99 µs",
                    "OR p50 / p99 µs"], body)
    if not rows or not sh("command -v gnuplot"):
        return lines
    base = os.path.splitext(out)[0]
    data = base + "-growth.dat"
    with open(data, "w") as f:
        for engine, points in series.items():
            f.write(f"# {engine}\n")
            for r in points:
                f.write(f"{r['documents']} {r['docs_per_second']} {r['and_p50_us']} "
                        f"{r['and_p99_us']} {r['or_p50_us']} {r['or_p99_us']}\n")
            f.write("\n\n")
    plots = [("index", "index build (documents/s)", "2"),
             ("latency", "query latency (µs)", None)]
    for name, ylabel, column in plots:
        png = f"{base}-growth-{name}.png"
        if column:
            curves = ", ".join(f"'{data}' index {i} using 1:{column} with linespoints title '{e}'"
                               for i, e in enumerate(series))
        else:
            curves = ", ".join(
                f"'{data}' index {i} using 1:{c} with linespoints title '{e} {label}'"
                for i, e in enumerate(series)
                for c, label in (("3", "AND p50"), ("4", "AND p99"), ("5", "OR p50"), ("6", "OR p99")))
        script = (f"set terminal png size 900,540; set output '{png}'; set logscale x; "
                  f"set xlabel 'documents'; set ylabel '{ylabel}'; set key left top; "
                  f"set grid; plot {curves}")
        subprocess.run(["gnuplot", "-e", script], check=False)
        lines += [f"![{ylabel}]({os.path.basename(png)})", ""]
    os.remove(data)
    return lines


def main():
    raw, out = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    only = next((a for a in sys.argv if a.startswith("--only=")), "")
    rows = [json.loads(line) for line in open(raw) if line.strip()]
    stage = lambda name: [r for r in rows if r.get("stage", "engine") == name]
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    memory = sh("free -g | awk '/Mem:/{print $2}'")
    version = lambda package: sh("dpkg-query -W -f='${Version}' " + package)
    lines = [
        f"# Benchmark report{' (quick smoke run: numbers are not comparable)' if quick else ''}",
        "",
        f"- Machine: {cpu or platform.processor()}, {sh('nproc')} cores, "
        f"{memory} GiB, {platform.platform()}",
        f"- Versions: newsgraph {sh('git rev-parse --short HEAD')}, "
        f"SQLite {version('libsqlite3-dev')}, Xapian {version('libxapian-dev')}, "
        f"Lucene++ {version('liblucene++-dev')}, gRPC {version('libgrpc++-dev')}, "
        f"RocksDB {version('librocksdb-dev')}",
        "- Command: `bench/run" + (" --quick" if quick else "") + (" " + only if only else "") +
        "`; every line of the "
        "matching .jsonl holds the exact command of its figure.",
        "",
    ]
    sections = [("engine", engine_section), ("ingest", ingest_section),
                ("ingest-latency", ingest_latency_section), ("grpc", grpc_section),
                ("grpc-metrics", grpc_metrics_section), ("relevance", relevance_section),
                ("relevance-natural", natural_relevance_section),
                ("resources", resources_section), ("entity", entity_section),
                ("growth", lambda rows: growth_section(rows, out))]
    # A stage left out (bench/run --only) has no rows and no section.
    for name, section in sections:
        if stage(name):
            lines += section(stage(name))
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
