"""Live updates: an article's Events as Server-Sent Events to every open page, and who else is
reading it. It renders the pages' own fragments, so it sits above pages/."""
