"""The key of an author: derived from the name, with nothing but the standard library, so
that the processes that parse a bulk import (which load no Django models) compute it too."""

import hashlib


def author_id(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits a signed 64-bit column
