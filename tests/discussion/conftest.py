"""The paper the people of the discussion tests talk about: Alice and Bob (verified
members), Nora (email not verified yet), Sam (staff) and Mallory (whom tests ban), from
tests/conftest.py."""

import pytest

from paperwire.papers.models import Paper
from tests.builders import make_paper


@pytest.fixture
def paper() -> Paper:
    return make_paper("2502.08025", "Sparse Attention Is All You Need")
