"""Payloads: privacy-sensitive prompt and response text that must never reach a mart."""

from __future__ import annotations

import json
import random
from typing import ClassVar

from token_ledger.generate.plans import FIRST_NAMES, LAST_NAMES


class Payloads:
    """Pools of pre-serialized prompt/response text, so spans look real but generate fast."""

    TEXTS: ClassVar[dict] = {
        "ticket": [
            ("Hi, this is {name} ({email}). Order #{num} arrived damaged, please refund the card ending {card}."),
            "My account {email} is locked after a password reset. Call me on {phone}. {name}",
            "I was charged twice for invoice {num}. Name on the account: {name}, {email}.",
            "Where is my parcel? Tracking {num}, delivery address {street}. Thanks, {name}",
        ],
        "claim": [
            ("Claimant {name}, DOB {dob}, policy {policy}. Rear-end collision at {street}; repair estimate {num} USD."),
            "Water damage claim by {name} ({email}) for {street}, policy {policy}.",
            "Travel claim: {name}, passport {passport}, lost luggage on flight {flight}.",
        ],
        "contract": [
            ("Review the attached MSA between Acme Corp and {company}. Signatory {name} <{email}>, fee {num} EUR."),
            "NDA with {company}; counterparty contact {name}, {phone}. Flag unusual clauses.",
            "SOW #{num} for {company}: check liability cap and termination terms. Owner {name}.",
        ],
        "other": [
            "Summarize the customer notes of {name} ({email}) from yesterday's calls.",
            "Score transaction {num} of {name}, card ending {card}, for fraud signals.",
        ],
    }
    OUTPUTS: ClassVar[dict] = {
        "ticket": [
            '{{"category":"refund","priority":"high","customer":"{name}"}}',
            ("Hi {first}, sorry about that. I have refunded order #{num} to the card ending {card}."),
            "Hi {first}, your account {email} is unlocked; please reset your password.",
        ],
        "claim": [
            '{{"decision":"approve","amount":{num},"claimant":"{name}"}}',
            "Coverage confirmed under policy {policy}; deductible applies. Claimant {name}.",
            "Documents missing: police report for {street}.",
        ],
        "contract": [
            "Clause 7.2 caps liability below policy for {company}; propose 2x fees.",
            '{{"risk":"medium","redlines":3,"counterparty":"{company}"}}',
            "Termination for convenience missing; signatory {name} to confirm.",
        ],
        "other": [
            "Customer {name} asked twice about delivery; sentiment negative.",
            '{{"fraud_score":0.{num},"card":"{card}"}}',
        ],
    }
    SYSTEM: ClassVar[dict] = {
        "ticket": "You are Acme's support triage agent. Classify, draft a reply, never promise refunds above 200 USD.",
        "claim": "You adjudicate insurance claims under the attached policy wording. Cite clauses. Output JSON.",
        "contract": "You are a contract reviewer for Acme legal. Compare against the clause "
        "library and propose redlines.",
        "other": "You summarize and score internal records. Be concise.",
    }
    COMPANIES: ClassVar[list] = [
        "Globex GmbH",
        "Initech Ltd",
        "Umbrella BV",
        "Stark Logistics",
        "Wayne Foods",
    ]

    def __init__(self, rng: random.Random, size: int = 96):
        self.inputs = {k: [self._render(rng, k, self.TEXTS) for _ in range(size)] for k in self.TEXTS}
        self.outputs = {k: [self._render(rng, k, self.OUTPUTS) for _ in range(size)] for k in self.OUTPUTS}
        self.system = {
            k: json.dumps([{"type": "text", "content": v}], separators=(",", ":")) for k, v in self.SYSTEM.items()
        }
        self.size = size

    def _render(self, rng: random.Random, kind: str, source: dict) -> str:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        text = rng.choice(source[kind]).format(
            name=f"{first} {last}",
            first=first,
            email=f"{first.lower()}.{last.lower()}@example.com",
            num=rng.randint(10000, 99999),
            card=rng.randint(1000, 9999),
            phone=f"+1-555-01{rng.randint(10, 99)}",
            street=f"{rng.randint(1, 999)} {rng.choice(LAST_NAMES)} Street",
            dob=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            policy=f"POL-{rng.randint(100000, 999999)}",
            passport=f"X{rng.randint(1000000, 9999999)}",
            flight=f"LH{rng.randint(100, 999)}",
            company=rng.choice(self.COMPANIES),
        )
        if source is self.TEXTS:
            message = [{"role": "user", "parts": [{"type": "text", "content": text}]}]
        else:
            message = [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": text}],
                    "finish_reason": "stop",
                }
            ]
        return json.dumps(message, separators=(",", ":"))
