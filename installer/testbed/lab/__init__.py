"""The local lab: N systemd-nspawn nodes on one machine, on a private bridge of their own.

``stackinstall lab up|status|ssh|down`` live in
:mod:`installer.testbed.lab.cli`; the work is done by :mod:`installer.testbed.lab.lifecycle`,
which composes the small modules of this package.
"""
