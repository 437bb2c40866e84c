"""The OpenKAT-compatible HTTP API (DRF), mounted by the host project under one prefix."""
