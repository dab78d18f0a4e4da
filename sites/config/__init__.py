"""The configuration of a CPE: data (`model`), assembly from the inventory (`build`), rendering
to NETCONF XML and CLI, and diffs between intended and running. No network I/O."""
