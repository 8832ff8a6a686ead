"""The console's web side: the ASGI app (``app``), its security middleware, templates, static files."""
