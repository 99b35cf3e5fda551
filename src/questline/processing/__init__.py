"""From the API to the engine and back: ingest, process, dispatch."""
