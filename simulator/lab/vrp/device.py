"""A VRP-like CPE's state and its command-line sessions, with no I/O: one `VrpDevice` holds the
running configuration (lines take effect as they are typed, as on VRP), the saved files, the
configuration lock and the trial timer; each SSH login is a `Session` that turns a typed line
into the device's answer.

What a session offers, by view (the prompt tells which: `<name>` user view, `[name]` system
view, `[name-section]` inside a section):

- user view: `display current-configuration`, `display saved-configuration`,
  `screen-length 0 temporary`, `system-view`, `save [FILE]` (asks `[Y/N]`),
  `configuration exclusive` / `undo configuration exclusive` (the lock: while one session holds
  it, no other may change the configuration), `configuration trial SECONDS` (the device goes back
  to the configuration it runs now unless `configuration confirm` comes within SECONDS, whether
  or not the session that armed it is still there; typed again, the timer starts over and the
  trial still goes back to where it began), `undo configuration trial` (go back now),
  `quit` (log out);
- system and section views: the commands of `simulator.lab.vrp.grammar.VIEWS`, `undo` of any
  of them, `quit` (up one view), `return` (to user view).

The trial timer is this dialect's take on VRP's `commit trial` and IOS's
`configure revert timer`: the device, not the controller, undoes an unconfirmed change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.lab.vrp.grammar import VIEWS, Command, CommandError, Parsed, parse

FACTORY_NAME = "HUAWEI"
STARTUP_FILE = "vrpcfg.cfg"
_SAVE_QUESTION = (
    "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
)
_LOCKED = "Error: The configuration is locked by another user."


@dataclass(slots=True)
class Section:
    """A top-level line of the configuration and, when it opens a view, its sub-commands."""

    head: Parsed
    children: list[Parsed] = field(default_factory=list)

    def copy(self) -> Section:
        return Section(self.head, list(self.children))


def _place(lines: list[Parsed], new: Parsed) -> None:
    """Add a sub-command: a single-valued one replaces its previous value in place."""
    for i, old in enumerate(lines):
        if old.line == new.line:
            return
        if not new.command.multi and old.command is new.command:
            lines[i] = new
            return
    lines.append(new)


class VrpDevice:
    """One emulated CPE (see module). Thread-safe: each session runs in its own thread."""

    def __init__(self, name: str = FACTORY_NAME) -> None:
        self._mutex = threading.RLock()
        self.config: list[Section] = [Section(parse("system", f"sysname {name}"))]
        self.files: dict[str, str] = {}
        self._owner: Session | None = None
        self._trial: tuple[list[Section], threading.Timer] | None = None

    @property
    def name(self) -> str:
        with self._mutex:
            for section in self.config:
                if section.head.command.key == "sysname":
                    return section.head.line.split()[1]
        return FACTORY_NAME

    def session(self) -> Session:
        return Session(self)

    def display(self) -> str:
        """The running configuration as `display current-configuration` shows it."""
        with self._mutex:
            lines = ["#"]
            for section in self.config:
                lines += [section.head.line, *(f" {c.line}" for c in section.children), "#"]
        return "\n".join([*lines, "return"])

    def close(self) -> None:
        """Stop the trial timer (the device is switched off)."""
        with self._mutex:
            if self._trial is not None:
                self._trial[1].cancel()
                self._trial = None

    # -- used by sessions, under the mutex

    def locked_for(self, session: Session) -> bool:
        return self._owner is not None and self._owner is not session

    def lock(self, session: Session) -> str:
        with self._mutex:
            if self.locked_for(session):
                return _LOCKED
            self._owner = session
            return "Info: The configuration is locked by this session."

    def unlock(self, session: Session) -> str:
        with self._mutex:
            if self._owner is session:
                self._owner = None
            return ""

    def arm_trial(self, seconds: int) -> str:
        """Go back to the configuration running now unless confirmed within `seconds`; when a
        trial already runs, its timer starts again and it still goes back to where it began."""
        with self._mutex:
            timer = threading.Timer(seconds, self._expire)
            timer.daemon = True
            if self._trial is not None:
                self._trial[1].cancel()
                self._trial = (self._trial[0], timer)
            else:
                self._trial = ([s.copy() for s in self.config], timer)
            timer.start()
        return (
            f"Info: The configuration will roll back in {seconds} seconds unless confirmed "
            "with 'configuration confirm'."
        )

    def confirm_trial(self) -> str:
        with self._mutex:
            if self._trial is None:
                return "Error: No configuration trial is running."
            self._trial[1].cancel()
            self._trial = None
        return "Info: The configuration is confirmed."

    def abort_trial(self) -> str:
        with self._mutex:
            if self._trial is None:
                return "Error: No configuration trial is running."
            self._trial[1].cancel()
            self._expire()
        return "Info: The configuration was rolled back."

    def _expire(self) -> None:
        with self._mutex:
            if self._trial is not None:
                self.config = self._trial[0]
                self._trial = None

    def section(self, head: Parsed) -> Section:
        for section in self.config:
            if section.head.line == head.line:
                return section
        created = Section(head)
        if head.command.opens is None:
            for i, section in enumerate(self.config):  # a single-valued line: replaced in place
                if section.head.command is head.command and not head.command.multi:
                    self.config[i] = created
                    return created
        self.config.append(created)
        return created

    def remove(self, head: Parsed) -> bool:
        for i, section in enumerate(self.config):
            same = section.head.line == head.line
            if same or (section.head.command is head.command and head.line == head.command.key):
                del self.config[i]
                return True
        return False


class Session:
    """One login's view of the device: `handle` one typed line, `prompt` after it."""

    def __init__(self, device: VrpDevice) -> None:
        self.device = device
        self.view: str | Section = "user"
        self._question: Callable[[str], str] | None = None

    @property
    def prompt(self) -> str:
        if self._question is not None:
            return ""
        name = self.device.name
        if self.view == "user":
            return f"<{name}>"
        if self.view == "system":
            return f"[{name}]"
        assert isinstance(self.view, Section)
        label = self.view.head.line.removeprefix("interface ").replace(" ", "-")
        return f"[{name}-{label}]"

    def close(self) -> None:
        self.device.unlock(self)

    def handle(self, typed: str) -> tuple[str, bool]:
        """The device's answer to `typed` (without its echo or prompt), and whether the session
        ends."""
        if self._question is not None:
            answer, self._question = self._question, None
            return answer(typed.strip()), False
        line = typed.strip()
        if not line:
            return "", False
        lead = len(typed) - len(typed.lstrip())  # where the command starts, for the caret
        if self.view == "user":
            return self._user(line, lead)
        return self._configure(line, lead), False

    # -- user view

    def _user(self, line: str, lead: int) -> tuple[str, bool]:
        device = self.device
        simple: dict[str, Callable[[], str]] = {
            "display current-configuration": device.display,
            "display saved-configuration": lambda: device.files.get(STARTUP_FILE, ""),
            "screen-length 0 temporary": lambda: (
                "Info: The configuration takes effect on the current user terminal interface only."
            ),
            "configuration exclusive": lambda: device.lock(self),
            "undo configuration exclusive": lambda: device.unlock(self),
            "configuration confirm": device.confirm_trial,
            "undo configuration trial": device.abort_trial,
            "return": lambda: "",
        }
        if line in simple:
            return simple[line](), False
        if line in ("quit", "EOF"):
            return "", True
        return self._user_with_arguments(line, lead), False

    def _user_with_arguments(self, line: str, lead: int) -> str:
        device = self.device
        words = line.split()
        if line == "system-view":
            if device.locked_for(self):
                return _LOCKED
            self.view = "system"
            return "Enter system view, return user view with return command."
        if words[:2] == ["configuration", "trial"] and len(words) == 3:
            seconds = int(words[2]) if words[2].isdigit() else 0
            if not 1 <= seconds <= 3600:
                return self._refuse(lead + line.rfind(words[2]), "Wrong parameter")
            return device.arm_trial(seconds)
        if words[0] == "save" and len(words) <= 2:
            target = words[1] if len(words) == 2 else STARTUP_FILE
            self._question = lambda answer: self._save(target, answer)
            return _SAVE_QUESTION
        return self._refuse(lead, "Unrecognized command")

    def _save(self, target: str, answer: str) -> str:
        if answer.lower() not in ("y", "yes"):
            return "Info: The configuration was not saved."
        self.device.files[target] = self.device.display()
        return "Info: Save the configuration successfully."

    # -- system and section views

    def _configure(self, line: str, lead: int) -> str:
        if line == "return":
            self.view = "user"
            return ""
        if line == "quit":
            self.view = "system" if isinstance(self.view, Section) else "user"
            return ""
        device = self.device
        with device._mutex:
            if device.locked_for(self):
                return _LOCKED
            undo = line.startswith("undo ")
            text = line.removeprefix("undo ").strip() if undo else line
            offset = lead + len(line) - len(text)
            view = "system" if self.view == "system" else self._section_view()
            try:
                parsed = parse(view, text, partial=undo)
            except CommandError as exc:
                return self._refuse(offset + exc.column, exc.refusal.value)
            if undo:
                return self._undo(parsed)
            if self.view == "system":
                section = device.section(parsed)
                if parsed.command.opens is not None:
                    self.view = section
            else:
                assert isinstance(self.view, Section)
                _place(self.view.children, parsed)
        return ""

    def _section_view(self) -> str:
        assert isinstance(self.view, Section)
        opens = self.view.head.command.opens
        assert opens is not None and opens in VIEWS
        return opens

    def _undo(self, parsed: Parsed) -> str:
        if self.view == "system":
            found = self.device.remove(parsed)
        else:
            assert isinstance(self.view, Section)
            children = self.view.children
            kept = [c for c in children if not _undone(c, parsed)]
            found = len(kept) != len(children)
            children[:] = kept
        return "" if found else "Error: The configuration does not exist."

    def _refuse(self, column: int, message: str) -> str:
        """VRP's refusal: a caret under `column` of the echoed line (after the prompt)."""
        text = message if message.endswith(".") else f"{message} found at '^' position."
        return f"{' ' * (len(self.prompt) + column)}^\nError: {text}"


def _undone(line: Parsed, undo: Parsed) -> bool:
    if line.command is not undo.command:
        return False
    command: Command = undo.command
    return line.line == undo.line or (not command.multi and undo.line == command.key)
