"""Article bodies: Markdown rendered, and nothing unsafe survives (pure)."""

from html.parser import HTMLParser

import pytest

from knowledge.rendering import to_html, to_text


class Elements(HTMLParser):
    """The tags and attributes of rendered HTML (text, escaped markup included, is
    inert and not collected)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_markdown_renders_headings_lists_code_and_tables():
    html = to_html("# Title\n\n- one\n- **two**\n\n`code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<li><strong>two</strong></li>" in html
    assert "<code>code</code>" in html
    assert "<table>" in html and "<td>1</td>" in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"></svg>',
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<p style="background:url(javascript:alert(1))">x</p>',
])
def test_nothing_executable_survives(hostile):
    for tag, attrs in Elements(to_html(hostile)).found:
        assert tag not in {"script", "svg", "iframe", "object", "embed", "style"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith(("javascript:", "data:"))


def test_links_keep_safe_schemes_and_never_open_the_opener():
    html = to_html("[docs](https://example.org/a) and [mail](mailto:desk@example.org)")
    assert 'href="https://example.org/a"' in html
    assert 'href="mailto:desk@example.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_plain_text_drops_markup_and_cuts_at_a_word():
    assert to_text("# Title\n\n**bold** `code`") == "Title bold code"
    assert to_text("one two three four", 10) == "one two…"
