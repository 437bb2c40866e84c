"""Events from Octopoes (scan-profile mutations) and Bytes (raw files): parsing, and the AMQP consumer."""
