"""Turns bench/run's JSON lines into a Markdown report: machine, versions,
commands, medians with min-max, and ratios against the peers."""
import json
import platform
import statistics
import subprocess
import sys


def sh(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def main():
    raw, out = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    rows = [json.loads(line) for line in open(raw) if line.strip()]
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    memory = sh("free -g | awk '/Mem:/{print $2}'")
    version = lambda package: sh("dpkg-query -W -f='${Version}' " + package)
    lines = [
        f"# Benchmark report{' (quick smoke run)' if quick else ''}",
        "",
        f"- Machine: {cpu or platform.processor()}, {sh('nproc')} cores, "
        f"{memory} GiB, {platform.platform()}",
        f"- Versions: newsgraph {sh('git rev-parse --short HEAD')}, "
        f"SQLite {version('libsqlite3-dev')}, Xapian {version('libxapian-dev')}, "
        f"Lucene++ {version('liblucene++-dev')}, "
        f"RocksDB {version('librocksdb-dev')}",
        "- Each engine indexes the same documents (title + body) and answers the same 400 "
        "two-word queries (200 AND, 200 OR; seed 20261124), single-threaded, in-process, top 10. "
        "newsgraph's figure includes its durable (fsync'ed) per-document index writes and the "
        "snippets and stored fields it returns with every hit; the peers return document ids.",
        "",
    ]
    metrics = [
        ("docs_per_second", "index docs/s", "{:.0f}"),
        ("index_to_raw", "index size / raw text", "{:.2f}"),
        ("and_p50_us", "AND p50 µs", "{:.1f}"),
        ("and_p99_us", "AND p99 µs", "{:.1f}"),
        ("or_p50_us", "OR p50 µs", "{:.1f}"),
        ("or_p99_us", "OR p99 µs", "{:.1f}"),
        ("qps", "queries/s", "{:.0f}"),
    ]
    for dataset in sorted({r["dataset"] for r in rows}):
        subset = [r for r in rows if r["dataset"] == dataset]
        engines = sorted({r["engine"] for r in subset}, key=lambda e: (e != "newsgraph", e))
        docs = subset[0]["documents"]
        lines += [f"## {dataset} ({docs} documents)", "",
                  "| metric | " + " | ".join(engines) + " |",
                  "| --- |" + " --- |" * len(engines)]
        medians = {}
        for key, label, fmt in metrics:
            cells = []
            for engine in engines:
                values = [r[key] for r in subset if r["engine"] == engine]
                m = statistics.median(values)
                medians[(engine, key)] = m
                cell = fmt.format(m)
                if len(values) > 1:
                    cell += f" ({fmt.format(min(values))}–{fmt.format(max(values))})"
                cells.append(cell)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines += ["", "Ratios newsgraph / peer (below 1 is better for latency and size, above 1 "
                  "for throughput):", ""]
        for engine in engines:
            if engine == "newsgraph":
                continue
            parts = []
            for key, label, _ in metrics:
                peer = medians[(engine, key)]
                if peer:
                    parts.append(f"{label} {medians[('newsgraph', key)] / peer:.2f}")
            lines.append(f"- vs {engine}: " + ", ".join(parts))
        lines.append("")
    lines += ["## Commands", ""] + [f"    {r['command']}" for r in rows[: len({r['engine'] for r in rows})]]
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
