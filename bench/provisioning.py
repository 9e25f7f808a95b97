"""Provisioning speed: tenants created by cloning the template schema vs by running migrations.

    make bench-provisioning            # 20 + 20 tenants
    python bench/provisioning.py --tenants 5

Uses a database of its own (bench_provisioning) on the configured PostgreSQL server. The last
line is one JSON object: clone_s_per_tenant, migrate_s_per_tenant, ratio (= migrate / clone).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

from _setup import use_fresh_database


def provision_many(prefix: str, count: int, *, clone: bool) -> float:
    from django.test import override_settings
    from validate_docbr import CNPJ

    from security.actors import Actor
    from tenants.services import tenant_provision

    generator = CNPJ()
    started = time.perf_counter()
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=clone):
        for index in range(count):
            tenant_provision(
                actor=Actor.command("bench"),
                name=f"Prefeitura {prefix} {index}",
                cnpj=generator.generate(),
                slug=f"{prefix}-{index:03d}",
                contract_start=date(2026, 1, 1),
                contract_end=date(2027, 1, 1),
                admin_name="Admin",
                admin_email=f"admin{index}@{prefix}.gov.br",
            )
            print(
                f"  {prefix}: {index + 1}/{count} ({time.perf_counter() - started:.2f} s)",
                flush=True,
            )
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=20, help="tenants per method (20)")
    options = parser.parse_args()

    use_fresh_database("bench_provisioning")
    from django.core.management import call_command

    from tenants.services import public_tenant_ensure

    call_command("migrate_all", verbosity=0)
    public_tenant_ensure()
    print(f"cloning {options.tenants} tenants from the template schema", flush=True)
    clone = provision_many("clone", options.tenants, clone=True)
    print(f"migrating {options.tenants} tenants from scratch", flush=True)
    migrate = provision_many("migrate", options.tenants, clone=False)
    print(f"clone: {clone:.3f} s/tenant, migrate: {migrate:.3f} s/tenant")
    print(
        json.dumps(
            {
                "bench": "provisioning",
                "tenants": options.tenants,
                "clone_s_per_tenant": round(clone, 4),
                "migrate_s_per_tenant": round(migrate, 4),
                "ratio": round(migrate / clone, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
