"""Teach: record a user's takes from the server's own camera feed, adapt a model to them
(`gesture adapt`, in a child process) and switch the server to it without a restart."""
