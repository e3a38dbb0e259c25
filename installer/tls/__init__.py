"""TLS for the front door: the deployment's CA and server certificate (self-signed mode),
the checks of an operator's certificate (provided mode), and their files in the deployment
directory (docs/tls.md)."""
