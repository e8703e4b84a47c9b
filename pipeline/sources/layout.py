"""The files of a campaign folder, by name (a module of its own: every reader uses them, and
the package itself must not be imported by its modules)."""

CAMPAIGN_FILE, LEAFLET_FILE, POSTS_FILE, CARDS_FILE = (
    "campaign.yml", "leaflet.md", "posts.yml", "cards.yml")
