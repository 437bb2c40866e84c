"""A stand-in for Rocky's project: the app added as docs/rocky-integration.md says, mounted elsewhere."""
