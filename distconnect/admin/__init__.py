"""The admin command line's REST client and commands (``distconnect connectors|plugins|loggers``).

A client of the public REST API only: it imports the API package for the error root and nothing
of the runtime, so it works against any Kafka Connect worker, Java or distconnect.
"""
