"""Simulations as background jobs of the controller (`POST /api/v1/simulations`)."""
