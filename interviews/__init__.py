"""Interview half of the pipeline: protocols, codebooks and transcripts."""
