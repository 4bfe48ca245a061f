"""The instrument library: questionnaires, interview protocols and codebooks as YAML."""
