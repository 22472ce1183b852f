"""Money flows one way through the model folders (issue 17), read from the manifest of the demo build.

- The intermediate folders have an order: reference, then billing and traces (neither reads the other),
  then allocation, then outcomes. A model may read models of its own folder, of an earlier folder, and
  staging; never a later folder, nor a mart (intermediate models are the marts' inputs, not their
  readers). A new intermediate folder must be given its place here.
- All allocation arithmetic (pools, call shares, line shares, team shares) lives in
  models/intermediate/allocation: outside it, no model computes with an allocation factor (the attributed
  fraction f, a pool's rate, a team's token share, a pool's traced tokens Qt). Reading them, comparing
  them or summing them is fine; multiplying or dividing by them is allocation.

Needs ``target/manifest.json`` (``make dbt-build``; ``make test`` builds it first).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from harness import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "target" / "manifest.json"

# the order of the intermediate folders: a folder reads only folders of a lower rank (or its own)
INTERMEDIATE_ORDER = {
    "reference": 0,
    "billing": 1,
    "traces": 1,
    "allocation": 2,
    "outcomes": 3,
}
ALLOCATION_FOLDER = "models/intermediate/allocation/"
# the factors allocation multiplies or divides by: f, B × f / Qt, a team's share of Qt, and Qt itself
# (a pool's rate under any prefix: int_model_calls_costed names it per token type, input_usd_per_token)
ALLOCATION_FACTORS = ("attributed_fraction", r"\w*usd_per_token", "token_share", "traced_tokens")
_FACTOR = "(?:" + "|".join(ALLOCATION_FACTORS) + ")"
# a factor as an operand of *, / or - (1 - f is the untraced share), on either side, also inside a function
# call or parentheses on the right of the operator (/ max(pools.traced_tokens), * coalesce(f, 0))
FACTOR_ARITHMETIC = re.compile(
    rf"(?:[*/-]\s*(?:\w*\s*\(\s*)*(?:\w+\.)?{_FACTOR}\b)|(?:\b{_FACTOR}\s*\)*\s*[*/-](?!-))",
)
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.DOTALL)
# a Jinja expression reads as a word: `{{ token_type }}_usd_per_token` is a rate whatever the type
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    assert MANIFEST.exists(), f"{MANIFEST} is missing: run `make dbt-build` first"
    return json.loads(MANIFEST.read_text())


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def _layer(node: dict[str, Any]) -> tuple[str, str | None]:
    """(layer, intermediate folder): ('staging', None), ('intermediate', 'traces'), ('marts', None)."""
    parts = Path(node["original_file_path"]).parts
    if parts[:2] == ("models", "intermediate"):
        return "intermediate", parts[2] if len(parts) > 3 else None
    return parts[1], None


def allocation_arithmetic(sql: str) -> list[str]:
    """The pieces of `sql` (comments removed) that compute with an allocation factor."""
    code = JINJA_EXPRESSION.sub("x", COMMENTS.sub("", sql))
    return [match.group(0).strip() for match in FACTOR_ARITHMETIC.finditer(code)]


def test_every_intermediate_folder_has_a_place_in_the_order(manifest: dict[str, Any]) -> None:
    folders = {_layer(node)[1] for node in _models(manifest).values() if _layer(node)[0] == "intermediate"}
    assert folders <= set(INTERMEDIATE_ORDER), f"give {folders - set(INTERMEDIATE_ORDER)} a place in INTERMEDIATE_ORDER"


def test_intermediate_folders_depend_one_way(manifest: dict[str, Any]) -> None:
    models = _models(manifest)
    back_edges = []
    for uid, node in sorted(models.items()):
        layer, folder = _layer(node)
        for parent_uid in node["depends_on"]["nodes"]:
            parent = models.get(parent_uid)
            if parent is None:
                continue  # seeds, sources, macros
            parent_layer, parent_folder = _layer(parent)
            if layer == "staging" and parent_layer != "staging":
                back_edges.append(f"{node['name']} (staging) reads {parent['name']} ({parent_layer})")
            if layer != "intermediate":
                continue
            if parent_layer == "marts":
                back_edges.append(f"{node['name']} ({folder}) reads the mart {parent['name']}")
            elif parent_layer == "intermediate" and parent_folder != folder:
                if INTERMEDIATE_ORDER[parent_folder] >= INTERMEDIATE_ORDER[folder]:
                    back_edges.append(f"{node['name']} ({folder}) reads {parent['name']} ({parent_folder})")
    assert not back_edges, "\n".join(back_edges)


def test_allocation_arithmetic_lives_in_intermediate_allocation(manifest: dict[str, Any]) -> None:
    found = {
        node["original_file_path"]: pieces
        for node in _models(manifest).values()
        if not node["original_file_path"].startswith(ALLOCATION_FOLDER)
        and (pieces := allocation_arithmetic(node["raw_code"]))
    }
    assert not found, f"allocation arithmetic outside {ALLOCATION_FOLDER}: {found}"
    # and the allocation folder holds the models that do it
    inside = [
        node["name"]
        for node in _models(manifest).values()
        if node["original_file_path"].startswith(ALLOCATION_FOLDER) and allocation_arithmetic(node["raw_code"])
    ]
    assert {"int_allocation_pools", "int_allocation_pool_teams", "int_model_calls_costed"} <= set(inside), inside


@pytest.mark.parametrize(
    ("sql", "arithmetic"),
    [
        # the team shares that used to be a CTE of fct_spend_ledger
        ("sum(call_allocations.tokens) / max(pools.traced_tokens) as token_share", True),
        ("line_allocations.allocated_usd * pool_team_shares.token_share as amount_usd", True),
        ("billed_amount * (1.0 - attributed_fraction) as amount", True),
        ("pools.billed_usd * pools.attributed_fraction * call_tokens.tokens / pools.traced_tokens", True),
        ("call_tokens.tokens * coalesce(pools.allocated_usd_per_token, 0.0)", True),
        ("input_tokens * input_usd_per_token as input_allocated_usd", True),
        ("{{ token_type }}_tokens * {{ token_type }}_usd_per_token as {{ token_type }}_allocated_usd", True),
        ("tokens * usd_per_million_tokens / 1000000.0", False),
        # reading, filtering, summing: not allocation
        ("where attributed_fraction < 1", False),
        ("cast(sum(traced_tokens) as bigint) as traced_cached_input_tokens", False),
        ("{# B × f / Qt: attributed_fraction * traced_tokens #} select 1", False),
        ("select token_share -- token_share * 2\nfrom x", False),
    ],
)
def test_the_arithmetic_rule_has_teeth(sql: str, arithmetic: bool) -> None:
    assert bool(allocation_arithmetic(sql)) is arithmetic, allocation_arithmetic(sql)
