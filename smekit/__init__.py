"""smekit: mixed-methods research on small and medium enterprises.

Sub-packages
------------
smekit.survey       questionnaires, response import, quality checks, scoring, reliability
smekit.interviews   interview protocols, codebooks, transcripts and themes
smekit.analysis     regression suite, diagnostics, tables and figures
smekit.app          the Streamlit app (reads results, computes nothing)
smekit.instruments  the instrument library shipped as YAML
"""

__version__ = "0.1.0"
