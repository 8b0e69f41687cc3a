"""The static dashboard site (site.py builds it)."""

# beside the pages: the run the site was built from and each page's key (site.py writes it,
# assets/run_inputs.py reads it without importing the site's plotting libraries)
SITE_MANIFEST = ".site.json"
