"""Fault kinds the stand-in server can inject (kept apart so the CLI can list them cheaply)."""

FAULT_KINDS = ("500", "502", "503", "429", "slow", "drop", "reset", "captive", "redirect", "401",
               "bad_json", "wrong_hash", "422")
