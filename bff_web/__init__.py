"""The web backend-for-frontend (port 4100)."""
