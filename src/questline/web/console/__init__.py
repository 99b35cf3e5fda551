"""The web console for game designers and administrators: server-rendered pages over the
services the API uses, a session cookie, CSRF tokens, and the API's own access policy."""
