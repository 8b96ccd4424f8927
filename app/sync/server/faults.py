"""Fault kinds the stand-in server can inject (kept apart so the CLI can list them cheaply)."""

FAULT_KINDS = ("500", "502", "503", "429", "slow", "drop", "reset", "captive", "redirect", "401",
               "bad_json", "wrong_hash", "422", "html403", "html404", "html407")
# Kinds that only mean something for a snapshot PUT: on any other request they would be used up
# doing nothing (a health probe must never eat the one `--fault 422 --fault-count 1`).
PUT_ONLY = ("drop", "bad_json", "wrong_hash", "422")
