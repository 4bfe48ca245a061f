"""Survey half of the pipeline: instrument model, import, quality, scoring, reliability."""
