"""One-shot Airflow initialisation for docker-compose: migrate the metadata DB, set the admin login.

Airflow 3's default SimpleAuthManager reads user passwords from a JSON file
(``[core] simple_auth_manager_passwords_file``) and invents random ones for users missing from
it. This script writes that file from ``AIRFLOW_ADMIN_USER`` / ``AIRFLOW_ADMIN_PASSWORD`` so the
login is the one in ``.env``. Run as ``python deploy/airflow_init.py`` in the project image.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def write_passwords_file(path: Path, passwords: dict[str, str]) -> None:
    """Write ``{user: password}`` as the SimpleAuthManager passwords file, readable by owner only."""
    if not passwords or any(not user or not pw for user, pw in passwords.items()):
        raise ValueError("every Airflow user needs a non-empty name and password")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(passwords) + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def passwords_from_env(env: dict[str, str]) -> dict[str, str]:
    """The admin login from the environment; a clear error when it is missing."""
    user = env.get("AIRFLOW_ADMIN_USER", "")
    password = env.get("AIRFLOW_ADMIN_PASSWORD", "")
    if not user or not password:
        raise ValueError("AIRFLOW_ADMIN_USER and AIRFLOW_ADMIN_PASSWORD must be set (see .env.example)")
    return {user: password}


def main() -> int:
    """Migrate the Airflow DB, then write the passwords file named by the Airflow config."""
    passwords_file = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
    if not passwords_file:
        print("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE is not set", file=sys.stderr)
        return 2
    try:
        passwords = passwords_from_env(dict(os.environ))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    subprocess.run(["airflow", "db", "migrate"], check=True)
    write_passwords_file(Path(passwords_file), passwords)
    print(f"Airflow metadata DB migrated; login for {next(iter(passwords))!r} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
