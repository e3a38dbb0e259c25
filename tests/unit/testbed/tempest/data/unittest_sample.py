"""The tests behind unittest-sample.subunit, recorded with python-subunit's own encoder:

    python -m subunit.run unittest_sample > unittest-sample.subunit

(python-subunit 1.4.x in a scratch venv; the module was named sample_tests then).
"""

import unittest


class Passing(unittest.TestCase):
    def test_ok(self):
        self.assertTrue(True)

    @unittest.skip("Config drive is not available")
    def test_skipped(self):
        pass

    def test_fails(self):
        raise RuntimeError("Bad request\nDetails: {'code': 400}")

    @unittest.expectedFailure
    def test_xfail(self):
        self.assertEqual(1, 2)


class BrokenClass(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise ValueError("no flavor with 256 MiB")

    def test_never(self):
        pass
