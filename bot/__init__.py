"""careops: social customer care from Slack."""

__version__ = "0.1.0"
