"""The mobile backend-for-frontend (port 4200)."""
