"""A hosted page read from its HTML with lxml: controls, buttons, what it says.

Both drivers read a page's words here (the browser hands over its live DOM);
the form driver also builds its submission here, from lxml's own list of a
form's successful controls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from .fields import Control, shorten

EXCERPT_CHARS = 300
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "head"})
# A label's own words, not those of the controls inside it (a select's options).
_NOT_LABEL_TEXT = _NOT_TEXT | {"select", "option", "textarea", "button"}
_ERROR_CLASS = re.compile(r"(^|[-_])(error|errors|alert|danger|invalid|declined?|failure|failed)"
                          r"($|[-_])", re.I)
_SUBMIT_INPUTS = frozenset({"submit", "image"})


@dataclass(frozen=True)
class Button:
    """A submit button: its words (text, value or aria-label), the name/value it
    posts when clicked, and its form's index. ``index``: its position among the
    page's buttons (``button, input[type=submit], input[type=image]``)."""

    index: int
    text: str
    name: str
    value: str
    form: int | None


@dataclass
class HtmlPage:
    """One page as received. ``text``: its visible words, whitespace collapsed."""

    url: str
    status: int
    html: str = field(repr=False)
    title: str = ""
    text: str = ""
    alerts: tuple[str, ...] = ()
    controls: tuple[Control, ...] = ()
    buttons: tuple[Button, ...] = ()
    iframes: tuple[str, ...] = ()
    scripts: int = 0
    forms: list[Any] = field(default_factory=list, repr=False)  # lxml FormElements
    _elements: list[Any] = field(default_factory=list, repr=False)
    _button_elements: list[Any] = field(default_factory=list, repr=False)

    @property
    def excerpt(self) -> str:
        return shorten(self.text, EXCERPT_CHARS)

    def describe_forms(self) -> str:
        if not self.forms:
            return "no form"
        return ", ".join(f"{(form.get('method') or 'get').lower()} "
                         f"{form.get('action') or '(this page)'}" for form in self.forms)


def read(html: str | bytes, url: str, status: int = 200) -> HtmlPage:
    """Parse ``html`` (decoded text, e.g. ``httpx.Response.text``) as the page at ``url``."""
    text_html = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    root = None
    # A str with an XML encoding declaration is refused by lxml: then its bytes.
    for source in (html, text_html.encode()):
        try:
            root = lxml.html.document_fromstring(source or "<html></html>", base_url=url)
            break
        except (etree.ParserError, ValueError):  # empty after parsing, or not HTML at all
            continue
    if root is None:
        root = lxml.html.document_fromstring("<html></html>", base_url=url)
    forms = list(root.iter("form"))
    elements = list(root.iter("input", "select", "textarea"))
    controls = tuple(_control(i, el, root, forms) for i, el in enumerate(elements))
    button_elements = [el for el in root.iter("button", "input") if _is_submit(el)]
    buttons = tuple(Button(i, _button_words(el), el.get("name") or "", el.get("value") or "",
                           _form_of(el, forms)) for i, el in enumerate(button_elements))
    body = root.find("body")
    return HtmlPage(
        url=url, status=status, html=text_html,
        title=" ".join((root.findtext(".//title") or "").split()),
        text=_words(body if body is not None else root, _NOT_TEXT),
        alerts=_alerts(root), controls=controls, buttons=buttons,
        iframes=tuple(el.get("src") or "(no src)" for el in root.iter("iframe")),
        scripts=sum(1 for _ in root.iter("script")),
        forms=forms, _elements=elements, _button_elements=button_elements,
    )


def submission(page: HtmlPage, form_index: int, fills: dict[int, str],
               submitter: Button | None = None) -> tuple[str, str, list[tuple[str, str]], bool]:
    """What a browser sends when the form is submitted after ``fills`` (control
    index -> value): (method, absolute URL, fields in order, multipart?).

    Every successful control goes: hidden inputs, checked boxes, selected
    options, and the clicked button's name=value (lxml's ``form_values``,
    with two fixes to match HTML: a text input without a value attribute is
    sent empty, and ``type=button`` inputs are never sent)."""
    form = page.forms[form_index]
    for index, value in fills.items():
        page._elements[index].value = value
    for element in form.inputs:
        kind = (element.get("type") or "").lower()
        if element.tag == "input" and kind == "button":
            element.set("disabled", "disabled")
        elif (element.tag == "input" and kind not in ("checkbox", "radio", *_SUBMIT_INPUTS, "reset",
                                                        "file") and element.get("value") is None):
            element.set("value", "")
    values = [(str(name), str(value)) for name, value in form.form_values()]
    action, method = form.get("action"), form.get("method")
    enctype = form.get("enctype")
    if submitter is not None:
        element = page._button_elements[submitter.index]
        if submitter.name:
            values.append((submitter.name, submitter.value))
        # A button may send the form elsewhere (HTML's formaction and friends).
        action = element.get("formaction") or action
        method = element.get("formmethod") or method
        enctype = element.get("formenctype") or enctype
    target = urljoin(page.url, action) if action else page.url
    multipart = (enctype or "").lower() == "multipart/form-data"
    return (method or "get").upper(), target, values, multipart


def choose_submit(page: HtmlPage, form_index: int | None) -> Button | None:
    """The form's first submit button (what a customer clicks to pay)."""
    return next((b for b in page.buttons if b.form == form_index), None)


def _control(index: int, element: Any, root: Any, forms: list[Any]) -> Control:
    kind = (element.get("type") or "").lower() if element.tag == "input" else ""
    options: tuple[tuple[str, str], ...] = ()
    if element.tag == "select":
        options = tuple((option.get("value") if option.get("value") is not None
                         else " ".join(option.text_content().split()),
                         " ".join(option.text_content().split()))
                        for option in element.iter("option"))
    max_length = element.get("maxlength")
    return Control(
        index=index, tag=element.tag, type=kind, name=element.get("name") or "",
        autocomplete=element.get("autocomplete") or "", labels=_labels(element, root),
        form=_form_of(element, forms),
        visible=kind != "hidden" and element.get("hidden") is None,
        options=options, max_length=int(max_length) if (max_length or "").isdigit() else None,
    )


def _labels(element: Any, root: Any) -> tuple[str, ...]:
    """The control's label texts, best first: ``<label for>``, a wrapping label,
    ``aria-labelledby``, ``aria-label``, then placeholder and title."""
    texts: list[str] = []
    control_id = element.get("id")
    if control_id:
        texts += [_words(label, _NOT_LABEL_TEXT)
                  for label in root.xpath("//label[@for=$id]", id=control_id)]
    texts += [_words(label, _NOT_LABEL_TEXT) for label in element.iterancestors("label")]
    for ref in (element.get("aria-labelledby") or "").split():
        texts += [_words(found, _NOT_LABEL_TEXT) for found in root.xpath("//*[@id=$id]", id=ref)]
    texts += [element.get(attribute) or "" for attribute in ("aria-label", "placeholder", "title")]
    return tuple(text for text in texts if text.strip())


def _form_of(element: Any, forms: list[Any]) -> int | None:
    form = next(element.iterancestors("form"), None)
    return forms.index(form) if form is not None else None


def _is_submit(element: Any) -> bool:
    kind = (element.get("type") or "").lower()
    if element.get("hidden") is not None:
        return False
    if element.tag == "button":
        return kind in ("", "submit")
    return kind in _SUBMIT_INPUTS


def _button_words(element: Any) -> str:
    words = _words(element, _NOT_TEXT) if element.tag == "button" else ""
    return words or element.get("value") or element.get("aria-label") or element.get("alt") or ""


def _alerts(root: Any) -> tuple[str, ...]:
    """What the page flags as a message: role=alert, aria-live=assertive, or an
    error-ish class (``error``, ``alert-danger``, ``is-invalid``, ...)."""
    found: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _NOT_TEXT:
            continue
        flagged = (element.get("role") == "alert" or element.get("aria-live") == "assertive"
                   or any(_ERROR_CLASS.search(token) for token in (element.get("class") or "").split()))
        if flagged and element.get("hidden") is None:
            words = _words(element, _NOT_TEXT)
            if words and not any(words in earlier for earlier in found):
                found.append(words)
    return tuple(found)


def _words(element: Any, skip: frozenset[str]) -> str:
    """Text under ``element``, leaving out the subtrees tagged ``skip``."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node.tag, str) and node.tag in skip:
            return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return " ".join(" ".join(parts).split())
