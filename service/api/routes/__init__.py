"""The app's routes, one module per area (health, models and classification, streams,
live feeds, the web page)."""
