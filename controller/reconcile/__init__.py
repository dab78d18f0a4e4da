"""The controller's decision loop: latest observations through the policy engine into the
current paths and the journal. The same engine code the simulator drives."""
