"""YAML in and out, and mapping a field path back to its line.

yaml-rs (Rust) parses and emits: a 10,000-branch inventory loads in about 0.5 s, where PyYAML,
even with libyaml, spends 6 s building Python objects. It follows YAML 1.2 ('yes' stays a string)
and rejects duplicate keys. PyYAML's libyaml composer is used only to find line numbers for error
reports, so only a file with problems pays for a second parse.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
import yaml_rs

from sites.errors import Loc

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


_LINE = re.compile(r"at line (\d+)")


MAX_EXPANDED_CHARS = 64 * 2**20
"""Characters of scalar text a document may hold once its aliases are expanded."""
MAX_EXPANDED_NODES = 5_000_000
"""Values a document may hold once its aliases are expanded (a 10,000-site inventory: ~1 M)."""


def parse(text: str) -> Any:
    """Parse one YAML document. Raises YamlSyntaxError with the line of the mistake, or when
    its aliases would expand it beyond `MAX_EXPANDED_CHARS` or `MAX_EXPANDED_NODES`."""
    if "&" in text and "*" in text:  # only a document with anchors and aliases can expand
        _check_expansion(text)
    try:
        return yaml_rs.loads(text, parse_datetime=False)
    except yaml_rs.YAMLDecodeError as exc:
        message = str(exc)
        match = _LINE.search(message)
        reason = message.strip().splitlines()[-1].strip() if message.strip() else "syntax error"
        raise YamlSyntaxError(reason, int(match.group(1)) if match else None) from exc


def _check_expansion(text: str) -> None:
    """Measure what the aliases expand to, on libyaml's node graph (an alias is the anchored
    node itself there, so composing costs what the text costs): the parser's own alias limit
    counts uses, not their size, and one 500 KB string used 16,000 times would ask for 8 GB."""
    try:
        root = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return  # the parser reports the syntax error itself, with its line
    if root is None:
        return
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = (len(node.value), 1)
            continue
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            chars = sum(sizes[id(c)][0] for c in children)
            nodes = 1 + sum(sizes[id(c)][1] for c in children)
            if chars > MAX_EXPANDED_CHARS or nodes > MAX_EXPANDED_NODES:
                raise YamlSyntaxError(
                    f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} values "
                    f"or {MAX_EXPANDED_CHARS // 2**20} MiB of text; write the values out or "
                    "use fewer aliases",
                    node.start_mark.line + 1,
                )
            sizes[key] = (chars, nodes)
            continue
        if key in open_nodes:
            raise YamlSyntaxError("an alias refers to a value that contains it", None)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def dump(data: Any) -> str:
    return str(yaml_rs.dumps(data))


class LineFinder:
    """Finds the 1-based line of a field path in a YAML text. Composes the text once, lazily."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: yaml.Node | None = None
        self._failed = False

    def line(self, loc: Loc) -> int | None:
        if self._root is None and not self._failed:
            try:
                self._root = yaml.compose(self._text, Loader=SafeLoader)
            except yaml.YAMLError:
                self._failed = True
        if self._root is None:
            return None
        node: yaml.Node = self._root
        line = node.start_mark.line + 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            line, node = child
        return line


def _child(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return key.start_mark.line + 1, value
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None
