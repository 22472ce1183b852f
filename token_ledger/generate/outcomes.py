"""Outcome systems' change data (tickets, claims, contracts) and the outcome counts of _expected.json."""

from __future__ import annotations

from decimal import Decimal

from token_ledger.generate.util import fmt_ts, weighted


class OutcomesMixin:
    """Part of Generator: CDC versions of a work item, planted bad versions, outcome classes."""

    def _style(self) -> str:
        roll = self.rng.random()
        return "Z" if roll < 0.84 else "+02:00" if roll < 0.94 else "naive"

    def _versions(self, item_type, item_id, created, last_end, klass, variant, queue, pages) -> list[dict]:
        """CDC versions of one item (full snapshots with increasing updated_at)."""
        rng = self.rng
        hour = 3600.0
        done_at = last_end + rng.uniform(60, 1800)
        if item_type == "ticket":
            base = {
                "id": item_id,
                "created": created,
                "solved": None,
                "status": "new",
                "assignee": "ai_agent",
                "escalated": False,
                "reopens": 0,
                "queue": queue,
            }
            new = dict(base, _at=created)
            if klass == "open":
                status = rng.choice(["open", "pending", "hold"])
                return [
                    new,
                    dict(
                        base,
                        _at=done_at,
                        status=status,
                        assignee=rng.choice(["ai_agent", "human", ""]),
                    ),
                ]
            if klass == "automated" or variant in ("corrected", "overridden"):
                solved = dict(
                    base,
                    _at=done_at,
                    solved=done_at,
                    status="solved",
                    assignee="human" if variant == "overridden" else "ai_agent",
                )
                versions = [solved] if rng.random() < 0.35 else [new, solved]
                if rng.random() < 0.5:
                    versions.append(
                        dict(
                            solved,
                            _at=done_at + rng.uniform(72, 100) * hour,
                            status="closed",
                        )
                    )
                return versions
            if variant == "human":
                handover = dict(base, _at=done_at, status="open", assignee="human")
                solved_at = done_at + rng.uniform(1, 8) * hour
                return [
                    new,
                    handover,
                    dict(handover, _at=solved_at, solved=solved_at, status="solved"),
                ]
            if variant == "reopened":
                solved = dict(base, _at=done_at, solved=done_at, status="solved")
                again = done_at + rng.uniform(20, 60) * hour
                return [new, solved, dict(solved, _at=again, solved=again, reopens=1)]
            # escalated
            escalated = dict(base, _at=done_at, status="open", assignee="human", escalated=True)
            solved_at = done_at + rng.uniform(2, 30) * hour
            return [
                new,
                escalated,
                dict(
                    escalated,
                    _at=solved_at,
                    solved=solved_at,
                    status=rng.choice(["solved", "closed"]),
                ),
            ]

        if item_type == "claim":
            lob = weighted(rng, [(40, "auto"), (30, "property"), (18, "health"), (12, "travel")])[1]
            currency = "USD" if lob != "travel" else rng.choice(["EUR", "GBP"])
            amount = Decimal(rng.randint(15000, 2500000)) / 100
            base = {
                "id": item_id,
                "received": created,
                "decided": None,
                "decision": "",
                "manual": False,
                "docs": rng.random() < 0.15,
                "lob": lob,
                "amount": amount,
                "currency": currency,
            }
            new = dict(base, _at=created)
            if klass == "open":
                if variant == "pended":
                    return [new, dict(base, _at=done_at, decision="pended", docs=True)]
                return [new] if rng.random() < 0.5 else [new, dict(base, _at=done_at, docs=True)]
            if variant == "withdrawn":
                decision = "withdrawn"
            else:
                decision = "approved" if rng.random() < 0.75 else "denied"
            decided_at = done_at + (rng.uniform(2, 48) * hour if variant == "manual" else 0)
            decided = dict(
                base,
                _at=decided_at,
                decided=decided_at,
                decision=decision,
                manual=variant == "manual",
            )
            if variant == "manual":
                return [new, dict(base, _at=done_at, decision="pended"), decided]
            return [decided] if rng.random() < 0.3 else [new, decided]

        ctype = weighted(
            rng,
            [
                (35, "NDA"),
                (25, "MSA"),
                (20, "SOW"),
                (10, "DPA"),
                (10, "vendor_agreement"),
            ],
        )[1]
        base = {
            "id": item_id,
            "submitted": created,
            "reviewed": None,
            "status": "in_review",
            "ctype": ctype,
            "pages": pages,
        }
        new = dict(base, _at=created)
        if klass == "open":
            return [new] if rng.random() < 0.5 else [new, dict(base, _at=done_at)]
        status = weighted(rng, [(50, "approved"), (35, "redlined"), (15, "rejected")])[1]
        reviewed_at = done_at + rng.uniform(0.5, 30) * hour
        return [new, dict(base, _at=reviewed_at, reviewed=reviewed_at, status=status)]

    def _version_row(self, item_type: str, v: dict) -> list:
        style = self._style()

        def ts(x):
            return "" if x is None else fmt_ts(x, style, millis=item_type == "claim")

        def flag(b):
            return "true" if b else "false"

        if item_type == "ticket":
            return [
                v["id"],
                ts(v["created"]),
                ts(v["_at"]),
                ts(v["solved"]),
                v["status"],
                v["assignee"],
                flag(v["escalated"]),
                v["reopens"],
                v["queue"],
            ]
        if item_type == "claim":
            return [
                v["id"],
                ts(v["received"]),
                ts(v["_at"]),
                ts(v["decided"]),
                v["decision"],
                flag(v["manual"]),
                flag(v["docs"]),
                v["lob"],
                f"{v['amount']:.2f}",
                v["currency"],
            ]
        return [
            v["id"],
            ts(v["submitted"]),
            ts(v["_at"]),
            ts(v["reviewed"]),
            v["status"],
            v["ctype"],
            v["pages"],
        ]

    def _bad_version(self, item_type: str, first: dict, what: str) -> None:
        """An extra, malformed CDC row for an item whose later versions are valid."""
        v = dict(first, _at=first["_at"] + 1)
        row = self._version_row(item_type, v)
        table = {"ticket": "tickets", "claim": "claims", "contract": "contracts"}[item_type]
        if what == "bad_ticket_status":
            row[4], reason = "archived", "unknown status"
        elif what == "bad_ticket_updated_at":
            row[2], reason = "yesterday", "unparseable updated_at"
        elif what == "bad_claim_id":
            row[0], reason = "", "missing claim_id"
        elif what == "bad_claim_decision":
            row[4], reason = "maybe", "unknown decision"
        else:
            row[4], reason = "lost", "unknown review_status"
        self.csv[table].write(row)
        self._quarantine(table, reason)

    def _count_outcome(self, item_type, current, reviews, n_runs, minutes) -> None:
        """Apply metrics.md section 5 to the current state, for _expected.json."""
        if item_type == "ticket":
            if current["status"] not in ("solved", "closed"):
                klass = "open"
            elif current["escalated"] or "overridden" in reviews:
                klass = "failed"
            elif current["assignee"] == "human" or current["reopens"] > 0 or "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        elif item_type == "claim":
            if current["decided"] is None or current["decision"] in ("pended", ""):
                klass = "open"
            elif current["decision"] == "withdrawn" or "overridden" in reviews:
                klass = "failed"
            elif current["manual"] or "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        else:
            if current["status"] == "in_review" or current["reviewed"] is None:
                klass = "open"
            elif "overridden" in reviews:
                klass = "failed"
            elif "corrected" in reviews:
                klass = "assisted"
            else:
                klass = "automated"
        stats = self.outcomes[item_type]
        stats["items"] += 1
        stats[klass] += 1
        stats["runs"] += n_runs
        stats["human_minutes"] += minutes
        if klass == "automated" and n_runs == 1:
            stats["first_pass"] += 1
