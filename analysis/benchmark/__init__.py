"""Benchmarking a firm against its peers: profiles, priorities, a store across waves, reports.

* :mod:`~smekit.analysis.benchmark.peers`: peer levels, fallback, the privacy rule.
* :mod:`~smekit.analysis.benchmark.profile`: dimension scores, composite index,
  percentile ranks, gaps, strongest and weakest dimension.
* :mod:`~smekit.analysis.benchmark.priorities`: what to work on first (gap x effect).
* :mod:`~smekit.analysis.benchmark.store`: the embedded DuckDB benchmark store.
* :mod:`~smekit.analysis.benchmark.report`: the one-page firm report (HTML, DOCX).
"""
