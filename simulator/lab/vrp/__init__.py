"""A VRP-like CPE's command line, as pure code: the grammar of our dialect (`grammar`) and the
device's state and sessions (`device`). `simulator.lab.cli_cpe` serves it over SSH."""
