"""Reading a rendered page the way a browser would: the fields an edit form would submit."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_class: str):
        super().__init__()
        self.form_class = form_class
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_class in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            self.fields.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(response, form_class: str = "object-form") -> dict[str, str]:
    """What the page's edit form would submit untouched (csrf token left out)."""
    reader = _FormReader(form_class)
    reader.feed(response.content.decode())
    reader.fields.pop("csrfmiddlewaretoken", None)
    return reader.fields
