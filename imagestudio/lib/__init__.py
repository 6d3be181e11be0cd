"""Small helpers with no domain of their own, shared by every app (no models, no views)."""
