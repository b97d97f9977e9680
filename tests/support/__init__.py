"""Plain helpers of the test suite that are not fixtures, imported by their full
name (``from tests.support.study_files import read_csv``). The fixtures live in
``tests/conftest.py``."""
