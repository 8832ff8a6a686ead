"""The analysts' web console (``wirewatch console``).

A projection of the alerts topic into SQLite (``store``, fed by ``projector``), accounts and
API tokens (``accounts``), who may do what (``permissions``), and the ASGI app serving pages,
the live feed and the JSON API (``web``). Imports only the ``wirewatch`` kernel.
"""
