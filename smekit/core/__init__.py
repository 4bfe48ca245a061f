"""The bottom layer of smekit: errors, YAML reading, reproducible DOCX, shared models.

Everything imports ``smekit.core``; ``smekit.core`` imports no other part of
smekit (see ``tests/test_layers.py``).
"""
