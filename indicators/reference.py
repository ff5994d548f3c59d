"""Load the shipped indicator frameworks (fixtures/frameworks.json).

Used by a data migration (with historical models) and by the demo command; it is idempotent:
frameworks and categories are matched by code and name and only missing ones are created.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

FRAMEWORKS_FILE = Path(settings.BASE_DIR) / "fixtures" / "frameworks.json"


def load_frameworks(framework_model: Any, category_model: Any) -> int:
    """Create the shipped frameworks that are missing; return how many categories were added."""
    data = json.loads(FRAMEWORKS_FILE.read_text(encoding="utf-8"))
    added = 0
    for spec in data["frameworks"]:
        framework, _ = framework_model.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "version": spec["version"],
                "description": spec.get("description", ""),
                "is_default": spec.get("is_default", False)
                and not framework_model.objects.filter(is_default=True).exists(),
            },
        )
        for order, top in enumerate(spec["categories"], start=1):
            parent, created = category_model.objects.get_or_create(
                framework=framework,
                parent=None,
                name=top["name"],
                defaults={"level": 1, "short_name": top["short_name"], "order": order},
            )
            added += created
            for child_order, child in enumerate(top.get("children", []), start=1):
                _, created = category_model.objects.get_or_create(
                    framework=framework,
                    parent=parent,
                    name=child["name"],
                    defaults={
                        "level": 2,
                        "short_name": child["short_name"],
                        "order": child_order,
                        "is_core": child.get("is_core", False),
                    },
                )
                added += created
    return added
