"""The node checks of ``stackinstall verify`` as testinfra tests (see ``installer.verify.plugin``).

One module per role or concern; each test is marked with ``installer.verify.outcome.check``
(name, inventory groups, where to look). ``stackinstall verify`` runs them with pytest over
the rendered deployment, and the roles' molecule scenarios run the same modules against
their lab node.
"""

from pathlib import Path

#: This directory: the argument verify gives pytest.
HERE = Path(__file__).parent
