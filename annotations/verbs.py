"""The kinds of Event the services record, by name."""

from __future__ import annotations

# --- article revisions and re-anchoring ----------------------------------------------------------

# Event verbs of re-anchoring. A published claim that a revision moved or changed gets
# REANCHOR_FLAG_VERB instead of REANCHOR_VERB: it stays on the editors' "needs attention"
# list (queries.claims_needing_attention) until someone confirms or re-attaches it.
REANCHOR_VERB = "claim.reanchored"


REANCHOR_FLAG_VERB = "claim.moved"


ANCHOR_CONFIRM_VERB = "claim.anchor_confirmed"


REATTACH_VERB = "claim.reattached"
