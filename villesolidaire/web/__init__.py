"""The site's shell, at the top of the stack: home page, town branding (theme, logo), the
accessibility and privacy pages, error pages and the navigation context of every page.

It reads several apps (accounts' roles, the town, the open recruitment call), so it cannot
live in core, which every app imports. Its URL names keep the "core:" namespace.
"""
