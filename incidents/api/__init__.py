"""REST endpoints for incidents (`/api/v1/incidents/`)."""
