"""The demo study's ``study.yaml``."""

from __future__ import annotations

STUDY_YAML = """\
# Demo study written by `smekit demo`. Every key is documented in the README.
name: smekit demo study
seed: {seed}
survey:
  instrument: s1_resilience_dt
  responses: data/responses.csv
  id_column: respondent_id
  duration_column: duration_sec
quality:
  incomplete: {{max_missing_share: 0.2}}
  straightlining: {{max_run_share: 1.0, min_items: 10}}
  speeders: {{min_share_of_median: 0.3}}
  attention_checks: true
  mahalanobis: {{alpha: 0.001}}
regression:
  outcome: digital_transformation
  predictors: [digital_tools, supply_chain_div, employee_training, customer_engagement]
  controls: []
  subgroup: sector
  interactions: [[digital_tools, customer_engagement]]
  # S1 modelled all three sectors (45 service firms); the default minimum is 10 per parameter.
  min_group_size: 30
interviews:
  protocol: s1_interview_protocol
  codebook: s1_codebook
  participants: data/participants.csv
  transcripts: data/transcripts
  codings: [data/codings/coder_1.csv, data/codings/coder_2.csv]
  pseudonymise: {{names: data/names.csv, key: private/pseudonymisation_key.csv}}
  agreement: {{unit: segment, min_overlap: 0.0}}
integration:
  # The joint display: each S1 strategy theme next to the construct it speaks to.
  pairs:
    - {{theme: digital_tools_adoption, construct: digital_tools}}
    - {{theme: supply_chain_diversification, construct: supply_chain_div}}
    - {{theme: employee_training_engagement, construct: employee_training}}
    - {{theme: customer_engagement, construct: customer_engagement}}
panels:
  s2: data/panel_s2.csv
  s3: data/panel_s3.csv
benchmark:
  # F287 is the only services firm of its region: its report shows the fallback.
  firm: F287
"""


def study_yaml(seed: int) -> str:
    """Text of the demo ``study.yaml`` for a given seed."""
    return STUDY_YAML.format(seed=int(seed))
