"""Reports: the view model and its renderers (templates for Markdown, serialisers for JSON)."""
