"""Benchmarking a firm against its peers: profiles, priorities, a store across waves, reports.

* :mod:`~smekit.analysis.benchmark.peers`: peer levels, fallback, the privacy rule.
* :mod:`~smekit.analysis.benchmark.profile`: dimension scores, composite index,
  percentile ranks, gaps, strongest and weakest dimension.
* :mod:`~smekit.analysis.benchmark.percentiles`: mid-rank percentile ranks and peer
  quartiles at each firm's level.
* :mod:`~smekit.analysis.benchmark.composite`: the composite index (equal, entropy, PCA).
* :mod:`~smekit.analysis.benchmark.priorities`: what to work on first (gap x effect).
* :mod:`~smekit.analysis.benchmark.store`: the embedded DuckDB benchmark store
  (add, list, remove, firm history); its file schema and version checks in
  :mod:`~smekit.analysis.benchmark.store_schema`, the pre-append checks in
  :mod:`~smekit.analysis.benchmark.store_checks`, peers and store benchmarks in
  :mod:`~smekit.analysis.benchmark.store_peers`.
* :mod:`~smekit.analysis.benchmark.report`: the one-page firm report (HTML, DOCX).
"""
