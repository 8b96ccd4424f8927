"""Use cases as plain Python over a session. No Qt: the CLI, the UI and the tests all call these."""
