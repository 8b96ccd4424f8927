"""Qt user interface: widgets, dialogs, item models. Calls app.core services, never SQL."""
