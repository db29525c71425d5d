"""Pure engines: anchoring quotes in text, reading articles (ingest), reviewer agreement,
publishing rules, text helpers. No models and no database: each can be tested and benchmarked
without Django's ORM."""
