"""Generated gRPC code for herald.v1 (clients/python/generate); do not edit."""
