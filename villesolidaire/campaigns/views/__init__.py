"""Campaign pages, one module per concern; `campaigns/urls.py` names each view by its module."""
