"""``attache run``: one command that starts the embedded servers, sets up the cluster, runs every
service as its own process and shows live progress; Ctrl-C stops it all."""
