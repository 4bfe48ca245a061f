"""Models, diagnostics, tables and figures over tidy DataFrames."""
