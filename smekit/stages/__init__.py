"""The stages of ``smekit analyze``, one module per part of a study.

A stage reads what earlier stages left in the :class:`~smekit.context.RunContext`,
calls the pure functions of :mod:`smekit.survey`, :mod:`smekit.interviews` and
:mod:`smekit.analysis`, and writes its tables under ``results/``. Those packages
never see the runner.
"""
