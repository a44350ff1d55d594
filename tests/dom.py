"""A small DOM for the tests: enough to check the structure of HTML rather than substrings.

``parse(html)`` reads a page or a pushed fragment (or several fragments joined) into a tree
of ``Node`` elements under a root whose tag is ``#root``. Text stays as it was written in
``Node.text``; ``Node.words`` is that text as a reader takes it in: words and single spaces,
with a space where one element ends and another begins. Where an id stands more than once,
as when several pushes are read together, ``Node.by_id`` gives the last, since a later push
replaces an earlier one on the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that never hold content nor close: nothing nests inside them.
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Node:
    """An element: its tag, its attributes (None for a bare one) and its content in order."""

    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All the text inside, exactly as written."""
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def words(self) -> str:
        """The text inside as words and single spaces, trimmed. The edge of an element counts
        as a space, as between two paragraphs: ``<p>Yes</p><p>— Ana</p>`` is "Yes — Ana"."""
        parts = [c if isinstance(c, str) else c.words for c in self.children]
        return " ".join(" ".join(parts).split())

    @property
    def value(self) -> str:
        """A textarea's text as a browser reads it: one newline after the tag is dropped."""
        return self.text.removeprefix("\n")

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def walk(self) -> Iterator[Node]:
        """This element, then every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def elements(self) -> list[tuple[str, dict[str, str]]]:
        """Every element inside this one, in document order, as its tag and attributes (a
        bare attribute's value is "")."""
        return [
            (node.tag, {name: value or "" for name, value in node.attrs.items()})
            for node in self.walk()
            if node is not self
        ]

    def all(self, match: Callable[[Node], bool]) -> list[Node]:
        return [node for node in self.walk() if match(node)]

    def find(self, match: Callable[[Node], bool]) -> Node | None:
        """The first element that matches, or None."""
        return next((node for node in self.walk() if match(node)), None)

    def by_id(self, element_id: str) -> Node | None:
        """The element with this id; of several (several pushes), the last, as on screen."""
        found = self.all(lambda n: n.attrs.get("id") == element_id)
        return found[-1] if found else None

    def by_class(self, name: str) -> list[Node]:
        return self.all(lambda n: name in n.classes)

    def ids(self, prefix: str = "") -> set[str]:
        """Every id that starts with ``prefix``."""
        return {id_ for n in self.walk() if (id_ := n.attrs.get("id")) and id_.startswith(prefix)}

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        """Elements with this tag and these attribute values (``aria_label`` is aria-label)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return self.all(
            lambda n: n.tag == tag and all(n.attrs.get(k) == v for k, v in wanted.items())
        )

    def labelled(self, tag: str, label: str) -> Node:
        """The one element with this tag and aria-label; there must be exactly one."""
        found = self.all(lambda n: n.tag == tag and n.attrs.get("aria-label") == label)
        assert len(found) == 1, f"expected one <{tag}> labelled {label!r}, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The element tree of some HTML, under a ``#root`` node."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
