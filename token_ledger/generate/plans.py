"""The story: who runs what, on which models, with which outcomes and planted anomalies.

Model names are canonical names of model_prices; spellings on spans and bills come from model_aliases.
"""

from __future__ import annotations

from decimal import Decimal

UNKNOWN_SERVICE = "fraud-signal-poc"  # deliberately absent from seeds/services.csv
UNPRICED_MODEL = (
    "openai",
    "gpt-4o-experimental",
)  # deliberately in no alias or price row
# The bill still charges the unpriced model; this hidden list price is what the provider used.
HIDDEN_PRICES = {
    UNPRICED_MODEL: {
        "input": Decimal("5.00"),
        "cached_input": Decimal("2.50"),
        "output": Decimal("20.00"),
    }
}

# (weight, provider, canonical model) per route; route "emea" sends EU tickets to Azure.
TICKET_PLAN = [
    ("tool", "zendesk_get_ticket"),
    (
        "call",
        "classify",
        {
            "default": [
                (78, "openai", "gpt-4.1-nano-2025-04-14"),
                (14, "openai", "gpt-4o-mini-2024-07-18"),
                (8, "openai", "gpt-4.1-2025-04-14"),
            ],
            "emea": [
                (88, "azure.ai.openai", "gpt-4o-mini-2024-07-18"),
                (12, "azure.ai.openai", "gpt-4o-2024-08-06"),
            ],
        },
        (700, 12, 0),
        0.0,
    ),
    (
        "call",
        "retrieve",
        {"default": [(1, "openai", "text-embedding-3-small")]},
        (90, 0, 0),
        0.0,
    ),
    ("tool", "kb_search"),
    (
        "call",
        "draft",
        {
            "default": [
                (68, "openai", "gpt-4.1-mini-2025-04-14"),
                (12, "openai", "gpt-4o-2024-08-06"),
                (14, "openai", "gpt-4.1-2025-04-14"),
                (6, "openai", "gpt-4o-experimental"),
            ],
            "emea": [
                (55, "azure.ai.openai", "gpt-4o-2024-08-06"),
                (45, "azure.ai.openai", "gpt-4o-mini-2024-07-18"),
            ],
        },
        (3200, 320, 1536),
        0.0,
    ),
    (
        "call?",
        "qa_check",
        {
            "default": [
                (85, "openai", "gpt-4o-mini-2024-07-18"),
                (15, "openai", "gpt-4.1-mini-2025-04-14"),
            ],
            "emea": [(1, "azure.ai.openai", "gpt-4o-mini-2024-07-18")],
        },
        (1500, 30, 1024),
        0.0,
    ),
    ("tool", "zendesk_update_ticket"),
]
CLAIM_PLAN = [
    ("tool", "fetch_claim_documents"),
    (
        "call",
        "extract",
        {
            "default": [
                (55, "aws.bedrock", "amazon.nova-micro-v1:0"),
                (30, "aws.bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0"),
                (15, "aws.bedrock", "amazon.nova-pro-v1:0"),
            ]
        },
        (5200, 650, 2048),
        0.0,
    ),
    ("tool", "policy_lookup"),
    (
        "call",
        "assess",
        {
            "default": [
                (72, "anthropic", "claude-sonnet-4-5-20250929"),
                (13, "anthropic", "claude-opus-4-1-20250805"),
                (15, "aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
            ]
        },
        (8800, 900, 4096),
        0.0,
    ),
    ("tool", "fraud_score"),
    (
        "call",
        "summarize",
        {
            "default": [
                (80, "anthropic", "claude-haiku-4-5-20251001"),
                (20, "anthropic", "claude-sonnet-4-5-20250929"),
            ]
        },
        (2600, 280, 1024),
        0.3,
    ),
]
CONTRACT_PLAN = [
    ("tool", "fetch_contract_pdf"),
    (
        "call",
        "extract",
        {
            "default": [
                (75, "gcp.vertex_ai", "gemini-2.5-flash"),
                (15, "gcp.vertex_ai", "gemini-2.5-flash-lite"),
                (10, "gcp.vertex_ai", "gemini-2.5-pro"),
            ]
        },
        (550, 1400, 0),
        0.0,
    ),
    ("tool", "clause_library_search"),
    (
        "call",
        "review",
        {
            "default": [
                (65, "gcp.vertex_ai", "gemini-2.5-pro"),
                (35, "anthropic", "claude-opus-4-1-20250805"),
            ]
        },
        (600, 2800, 4000),
        0.0,
    ),
    (
        "call",
        "redline",
        {
            "default": [
                (70, "gcp.vertex_ai", "gemini-2.5-flash"),
                (20, "gcp.vertex_ai", "gemini-2.5-pro"),
                (10, "anthropic", "claude-sonnet-4-5-20250929"),
            ]
        },
        (450, 2200, 0),
        0.0,
    ),
]

WORKFLOWS = {
    "ticket": {
        "workflow": "ticket_triage",
        "service": "ticket-triage-agent",
        "plan": TICKET_PLAN,
        "per_weekday": 28,
        "weekend": 0.35,
        "review_minutes": (2, 12),
    },
    "claim": {
        "workflow": "claim_adjudication",
        "service": "claims-adjudicator",
        "plan": CLAIM_PLAN,
        "per_weekday": 12,
        "weekend": 0.10,
        "review_minutes": (4, 25),
    },
    "contract": {
        "workflow": "contract_review",
        "service": "contract-reviewer",
        "plan": CONTRACT_PLAN,
        "per_weekday": 4,
        "weekend": 0.05,
        "review_minutes": (10, 55),
    },
}
# Planned outcome mix per type: (class, variant, weight).
OUTCOME_MIX = {
    "ticket": [
        ("automated", "", 62),
        ("assisted", "human", 10),
        ("assisted", "reopened", 6),
        ("assisted", "corrected", 4),
        ("failed", "escalated", 6),
        ("failed", "overridden", 2),
        ("open", "", 10),
    ],
    "claim": [
        ("automated", "", 55),
        ("assisted", "manual", 14),
        ("assisted", "corrected", 6),
        ("failed", "withdrawn", 6),
        ("failed", "overridden", 4),
        ("open", "pended", 9),
        ("open", "undecided", 6),
    ],
    "contract": [
        ("automated", "", 60),
        ("assisted", "corrected", 22),
        ("failed", "overridden", 8),
        ("open", "", 10),
    ],
}
AUTOMATED_REVIEW_SHARE = {"ticket": 0.08, "claim": 0.25, "contract": 0.85}


# Planted malformed CDC rows (extra, non-current versions) and the item type they go to.
CDC_DEFECTS = {
    "bad_ticket_status": "ticket",
    "bad_ticket_updated_at": "ticket",
    "bad_claim_id": "claim",
    "bad_claim_decision": "claim",
    "bad_contract_status": "contract",
}

ERRORS = {
    "openai": "RateLimitError",
    "azure.ai.openai": "RateLimitError",
    "anthropic": "overloaded_error",
    "aws.bedrock": "ThrottlingException",
    "gcp.vertex_ai": "ResourceExhausted",
}

FIRST_NAMES = [
    "Dana",
    "Marek",
    "Priya",
    "Tomasz",
    "Aisha",
    "Lukas",
    "Sofia",
    "Kenji",
    "Maeve",
    "Rafael",
    "Ingrid",
    "Obi",
    "Chloe",
    "Hamid",
    "Noor",
    "Elena",
]
LAST_NAMES = [
    "Whitfield",
    "Novak",
    "Raman",
    "Kowalczyk",
    "Bello",
    "Brandt",
    "Ferreira",
    "Tanaka",
    "Doyle",
    "Ortega",
    "Lindqvist",
    "Okafor",
    "Laurent",
    "Karimi",
]
