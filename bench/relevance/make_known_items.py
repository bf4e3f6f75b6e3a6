#!/usr/bin/env python3
"""Known-item queries for the relevance stage, drawn with a fixed seed.

For sampled Reuters-21578 stories, the query is four distinctive words of the
headline (no stop words, no numbers), in headline order; the relevant
documents are the story and any story with the same headline and body.
Nothing here is copied from the corpus: the queries are derived when the
benchmark runs.

  make_known_items.py CORPUS.jsonl.gz COUNT SEED >> queries.tsv
"""
import collections
import gzip
import json
import random
import re
import sys

STOP = set("""a an and are as at be by for from has have in into is it its of on or over
that the their to was were will with said says say new may up down after before""".split())


def main():
    corpus, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    stories = []
    by_content = collections.defaultdict(list)
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if not d["title"] or len(d["body"]) < 300:
                continue
            stories.append(d)
            by_content[(d["title"], d["body"])].append(d["id"])
    rng = random.Random(seed)
    picked = 0
    for d in rng.sample(stories, len(stories)):
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", d["title"].lower())
                 if w not in STOP and len(w) > 2]
        if len(words) < 4:
            continue
        relevant = "|".join("id=" + i for i in by_content[(d["title"], d["body"])])
        print("known-item\t%s\t%s" % (" ".join(words[:4]), relevant))
        picked += 1
        if picked == count:
            break


if __name__ == "__main__":
    main()
