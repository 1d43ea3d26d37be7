"""The search page and its JSON API (``radar web``): FastAPI app in :mod:`pipeline.web.app`."""
