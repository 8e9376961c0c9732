// Event sources: EVTX, JSON/NDJSON/gzip, folders → one stream of events. (Being built.)
