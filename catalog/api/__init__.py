"""Read-only REST endpoints for the service catalog (`/api/v1/catalog/`)."""
