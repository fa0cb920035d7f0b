"""Every manage.py command in the README can be pasted as written: no placeholders in brackets,
no secret key to export first (settings read .env), and arguments the command accepts."""

import re
import shlex

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

README = (settings.BASE_DIR / "README.md").read_text()


def readme_commands():
    """The manage.py command lines in the README: in `code` spans and in code blocks."""
    text = README.replace("\\\n", " ")  # continued lines in code blocks
    found = re.findall(r"`([^`\n]*manage\.py [^`\n]*)`", text)
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.DOTALL):
        found += [line for line in block.splitlines() if "manage.py " in line]
    return sorted({line.strip() for line in found})


def test_the_readme_has_manage_py_commands():
    assert len(readme_commands()) >= 8


@pytest.mark.parametrize("line", readme_commands())
def test_command_can_be_pasted_as_written(line):
    assert "[" not in line and "\\|" not in line, "placeholder syntax does not paste"
    assert "DJANGO_SECRET_KEY" not in line and ".secret_key" not in line  # .env has it
    words = shlex.split(line.split("manage.py ", 1)[1])
    name, arguments = words[0], words[1:]
    command = load_command_class(get_commands()[name], name)
    command.create_parser("manage.py", name).parse_args(arguments)  # CommandError if not
