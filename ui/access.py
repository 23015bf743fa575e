"""Who may see the figures when sign-in is on: the ``[access]`` allow-list of ``.streamlit/secrets.toml``.

No Streamlit here: the decision is a pure function of the settings and the signed-in identity, tested on its own
(tests/test_access.py). The sign-in screen that uses it is :mod:`ui.sign_in`.

.. code-block:: toml

    [access]
    allowed_emails = ["cfo@example.com", "Chair@Board.example.org"]
    allowed_domains = ["example.com"]      # every address @example.com, and only that exact domain

Rules: e-mail addresses and domains compare case-insensitively; an address has exactly one ``@``; a domain
matches the part after it exactly (``evil-example.com`` and ``eu.example.com`` do not match ``example.com``: list
each one that may see the figures); an address the identity provider marks as not verified
(``email_verified = false``) is refused whatever the list says; an empty or missing list lets no one in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECRETS_FILE = ".streamlit/secrets.toml"


class AccessSettingsError(ValueError):
    """The ``[access]`` section cannot be read; the message names the key and what to write instead."""


def _strings(section: Mapping[str, Any], key: str, example: str) -> list[str]:
    value = section.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise AccessSettingsError(
            f"{SECRETS_FILE}: [access] {key} must be a list of text values, e.g. {key} = [{example}], "
            f"not {value!r}.")
    return [v.strip().lower() for v in value if v.strip()]


@dataclass(frozen=True)
class AccessList:
    """The people who may see the figures: exact e-mail addresses and whole e-mail domains (lower case)."""

    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, section: Mapping[str, Any] | None) -> AccessList:
        """Read ``[access]`` (``allowed_emails``, ``allowed_domains``); None or no section = nobody.

        >>> AccessList.from_settings({"allowed_domains": ["@Example.com "]}).domains
        frozenset({'example.com'})
        """
        if section is None:
            return cls()
        if not isinstance(section, Mapping):
            raise AccessSettingsError(f"{SECRETS_FILE}: [access] must be a section (a table), not {section!r}.")
        unknown = sorted(set(section) - {"allowed_emails", "allowed_domains"})
        if unknown:
            raise AccessSettingsError(
                f"{SECRETS_FILE}: [access] has unknown key(s) {', '.join(unknown)}; the keys are allowed_emails "
                "and allowed_domains.")
        emails = _strings(section, "allowed_emails", '"cfo@example.com"')
        domains = [d.lstrip("@") for d in _strings(section, "allowed_domains", '"example.com"')]
        bad = [d for d in domains if "@" in d or "." not in d]
        if bad:
            raise AccessSettingsError(
                f"{SECRETS_FILE}: [access] allowed_domains holds {bad[0]!r}, which is not a domain; write the part "
                'after the @, e.g. allowed_domains = ["example.com"].')
        return cls(frozenset(emails), frozenset(domains))

    @property
    def is_empty(self) -> bool:
        return not (self.emails or self.domains)

    def allows(self, email: object, email_verified: object = None) -> bool:
        """Whether the signed-in identity with this ``email`` claim may see the figures.

        >>> people = AccessList(frozenset({"cfo@example.com"}), frozenset({"board.example.org"}))
        >>> people.allows("CFO@Example.com"), people.allows("chair@board.example.org")
        (True, True)
        >>> people.allows("eve@evil-board.example.org"), people.allows("cfo@example.com", email_verified=False)
        (False, False)
        """
        if not isinstance(email, str) or email_verified is False:
            return False
        address = email.strip().lower()
        if address.count("@") != 1:  # not one mailbox at one domain: nothing to match safely
            return False
        return address in self.emails or address.split("@")[1] in self.domains
