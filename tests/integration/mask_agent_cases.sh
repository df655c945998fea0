# shellcheck shell=bash
#
# mask_agent_cases.sh: masking as agents and Java applications meet it (sourced by run.sh after
# mask_cases.sh, whose gateway and helpers it uses).

MASK_AGENT_CASES=()
