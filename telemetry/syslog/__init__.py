"""Device logs: a syslog receiver (RFC 5424 / 3164 over UDP and TCP) and a searchable store.

store = LogStore("/var/lib/branchline/device-log.db", max_age=timedelta(days=30))
receiver = SyslogReceiver(store, inventory_lookup(inventory), host="0.0.0.0")
await receiver.start()            # or: BackgroundReceiver(receiver).start()
store.search(LogQuery(site="br-wuxi-001", severity=LogSeverity.WARNING, text="BGP"))
"""

from telemetry.syslog.framing import FramingError, StreamFramer
from telemetry.syslog.lookup import inventory_lookup
from telemetry.syslog.model import LogFormat, LogRecord, LogSeverity, SiteLookup, SyslogError
from telemetry.syslog.parse import parse
from telemetry.syslog.receiver import BackgroundReceiver, SyslogReceiver
from telemetry.syslog.store import LogQuery, LogStore

__all__ = [
    "BackgroundReceiver",
    "FramingError",
    "LogFormat",
    "LogQuery",
    "LogRecord",
    "LogSeverity",
    "LogStore",
    "SiteLookup",
    "StreamFramer",
    "SyslogError",
    "SyslogReceiver",
    "inventory_lookup",
    "parse",
]
