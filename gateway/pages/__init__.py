"""Server-rendered pages (aiohttp-jinja2) and their static assets."""
