"""Benchmark: console sign-in, for an existing email with a wrong password and for an
email nobody has. Prints figures; asserts nothing.

The two should take the same time (an unknown email is checked against a dummy argon2id
hash), so that timing does not reveal which emails have accounts. The raw baseline, in
the same run: one argon2id verification on its own, the floor of any sign-in.

    python bench/login.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from questline.api.app import create_app
from questline.auth.passwords import hash_password, verify_password
from questline.auth.policy import Role
from questline.settings import Settings
from questline.storage.apps import ensure_app
from questline.storage.database import Database
from questline.storage.schema import migrate
from questline.storage.users import create_user, set_role


def timed(action: object, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="questline-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'questline.db'}"
        engine = create_engine(url)
        migrate(engine)
        engine.dispose()
        database = Database(url)
        with database.transaction() as session:
            user = create_user(session, "ada@example.com", hash_password("the right password"))
            set_role(session, user, ensure_app(session, "default").id, Role.OWNER)
            stored = user.password_hash
        database.dispose()
        settings = Settings(
            database_url=url,
            jwt_secret="bench-secret-" + "x" * 40,
            login_limit_per_account="100000 per minute",
            login_limit_per_ip="100000 per minute",
        )
        verify_password(stored, "warm-up")
        raw = timed(lambda: verify_password(stored, "a wrong password"), args.rounds)
        with TestClient(create_app(settings)) as client:

            def attempt(email: str) -> None:
                response = client.post(
                    "/v1/auth/login", json={"email": email, "password": "a wrong password"}
                )
                assert response.status_code == 401

            attempt("warm-up@example.com")
            # Interleaved, so that load from elsewhere on the machine hits both alike.
            known: list[float] = []
            unknown: list[float] = []
            for index in range(args.rounds):
                pair = [("ada@example.com", known), ("nobody@example.com", unknown)]
                for email, samples in pair[:: 1 if index % 2 else -1]:
                    samples += timed(lambda email=email: attempt(email), 1)
    rows = [
        ("raw argon2id verify (baseline)", raw),
        ("sign-in, existing email, wrong password", known),
        ("sign-in, unknown email", unknown),
    ]
    print(f"{'':42} {'median ms':>10} {'p90 ms':>8}")
    for name, samples in rows:
        p90 = statistics.quantiles(samples, n=10)[8]
        print(f"{name:42} {statistics.median(samples):10.1f} {p90:8.1f}")
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"unknown / existing (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
