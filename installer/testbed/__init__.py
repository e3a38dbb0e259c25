"""The test bed: what stands up a cloud to test and tests it beyond the node checks.

Apart from the installer's core (answers, render, deploy, preflight, status, destroy, node,
verify's node and API checks), which never imports it at module import time: ``lab`` (the
nspawn lab), ``image`` (the smoke's guest image), ``smoke`` (the workload smoke on
openstacksdk), ``tempest`` and ``browser`` (the dashboard login) are reached through
:func:`installer.extras.testbed`.
"""
