"""Designated shelters: the open-data import, their status set by staff, and the nearest open ones."""
