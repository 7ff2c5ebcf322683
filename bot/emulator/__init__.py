"""Local development stand-ins for the LINE platform (Messaging API stub, spec validation)."""
