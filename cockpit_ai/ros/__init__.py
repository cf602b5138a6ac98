"""What every cockpit_ai node shares: parameters from schemas, QoS, diagnostics, main()."""
