"""The article page, where claims are highlighted and reviewed: its views, the claim cards and
list (cards), and the review workflow's buttons and verdict comparison (workflow)."""
