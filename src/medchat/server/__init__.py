"""``medchat serve``: the guarded assistant and every model behind one OpenAI-compatible HTTP API.

``create_app(settings)`` (``server/app.py``) builds the FastAPI application. Nothing else in medchat
imports this package; it calls the same ``get_model`` and ``Assistant`` the CLI calls.
"""
