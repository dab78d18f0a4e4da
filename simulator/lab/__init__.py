"""CPE emulators a user (and the tests) can run on one machine: real NETCONF and SSH servers
on loopback ports that behave like the branch CPEs the controller configures."""
