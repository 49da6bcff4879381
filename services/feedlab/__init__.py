"""A local feed server for tests and benchmarks: thousands of generated feeds that behave like the web
(ETags, redirects, slow and failing servers, gzip, malformed and hostile bodies). Not a pipeline service."""
