"""National sync of activity counts: snapshots of absolute monthly totals, a state per month,
a journal of every attempt, and transports (HTTP, file export). No Qt here."""
