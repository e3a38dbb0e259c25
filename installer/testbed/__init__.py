"""The test bed: what stackinstall uses to try a deployment (the workload smoke)."""
