"""Fakes for tests: in-process stand-ins and local servers on 127.0.0.1."""
