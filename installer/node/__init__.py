"""Day 2 on the nodes of a running cloud: ``stackinstall node remove``."""
