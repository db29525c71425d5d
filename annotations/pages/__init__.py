"""The browser face: views (one module per area), their forms, URL configuration, context
processors and the presenters that shape what a page shows. Views find objects through
queries.scope, change them only through services, and answer htmx requests with fragments."""
