"""Site health and alarms in the controller: the shell around `telemetry.health` and
`telemetry.alarms`, ticked by the same loop as the reconciler."""
