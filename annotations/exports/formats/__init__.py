"""The open formats, one module each: our JSON, NDJSON, CSV, W3C Web Annotation and schema.org
ClaimReview. Pure: they turn plain rows into text and never import models."""
