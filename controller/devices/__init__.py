"""The device layer: drivers that get a CPE's configuration onto it safely (NAPALM's
lifecycle: open, read running, load candidate, compare, commit with a confirm timer, confirm,
discard, roll back), found by name through `DRIVERS`."""
