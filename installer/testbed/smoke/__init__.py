"""The functional smoke: a real workload, the way a tenant uses the cloud, leaving nothing.

It talks to the cloud's APIs with openstacksdk from the installer host, as the deployment's
admin (the post phase's clouds.yaml in the deployment directory), and uses SSH only for what
needs a node's shell: the key pair made on the network node, reaching a guest from the
router's namespace there, and the facts that explain a failure (the namespace's addresses
and NAT rules, a compute node's kernel and nova-compute's log).

Modules: ``steps`` (the step names, how a step passes, fails or is blocked), ``cloud`` (the
connection, retrying idempotent calls), ``image`` (the built guest image or an operator's
file), ``guest`` (a guest's console line and SSH into it), ``diagnose`` (why a server or a
floating IP did not come up), ``ledger`` (what was made, deleted in reverse, nothing left),
``run`` (the workload itself) and ``plan`` (which nodes, and whether storage can work).
"""
