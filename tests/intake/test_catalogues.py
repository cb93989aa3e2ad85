"""Every language has every message of the worker pages."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from redress.kit.i18n import LANGUAGES

INTAKE = Path(__file__).parents[2] / "services" / "intake" / "src" / "redress" / "intake"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def form_messages() -> set[str]:
    found = extract_from_dir(
        str(INTAKE), METHODS, keywords={"_": None, "N_": None}, options_map={"**.html": {}}
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_the_pages_have_messages_to_translate():
    messages = form_messages()
    assert "Raise a concern safely" in messages and "Child labour" in messages
    assert len(messages) > 80


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_catalogue_has_every_message(lang):
    path = INTAKE / "locales" / f"{lang}.po"
    assert path.exists(), f"no catalogue for {lang}"
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(form_messages() - translated)
    assert not missing, f"{lang} lacks {len(missing)} messages, e.g. {missing[:3]}"
