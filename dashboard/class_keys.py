"""A class's names: the code students type or hear, and the teacher's secret key.

The code is six characters from an alphabet without look-alikes (no 0/O, 1/I/l, and
no U/V either: read aloud or from the back row, each character is one of 29 that sound
and look different), shown in two groups of three ("KQ7-M4P"). 29^6 is about 600
million codes; a code only lets a student answer, so it need not be secret.

The key is what makes a browser the class's teacher: 192 random bits (token_urlsafe,
32 characters). The database keeps only its SHA-256: a key of that strength needs no
slow password hash, and a stolen database cannot run a class. Keys are compared with
hmac.compare_digest, whose time does not depend on where two values first differ.

The voter token is what makes a browser tab one voter of a class: 128 random bits
(token_urlsafe, 22 characters), made when the tab joins and kept in its address
(?class=CODE&voter=...), so that a reload or a phone that dropped the tab rejoins as
the same voter and its answer replaces the earlier one. It names no one; it is never
put in a link the app offers for sharing (the student link has only the code).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 6
KEY_BYTES = 24  # 192 bits; the issue asks for at least 128
KEY_CHARS = 32  # len(token_urlsafe(24))
_KEY = re.compile(rf"^[A-Za-z0-9_-]{{{KEY_CHARS}}}$")
VOTER_BYTES = 16  # 128 bits: a classmate cannot guess another's seat
VOTER_CHARS = 22  # len(token_urlsafe(16))
VOTER_PARAM = "voter"  # its key in the address
_VOTER = re.compile(rf"^[A-Za-z0-9_-]{{{VOTER_CHARS}}}$")
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def new_code() -> str:
    """A fresh class code (six characters of ALPHABET, no separator)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """The code as people read it: two groups of three ("KQ7-M4P")."""
    return f"{code[:3]}-{code[3:]}"


def normalize_code(text: object) -> str | None:
    """The code someone typed or a link carried ("kq7 m4p", "KQ7-M4P"), or None if it
    cannot be one. Case, spaces and dashes do not matter; nothing else is guessed."""
    if not isinstance(text, str) or len(text) > 3 * CODE_LENGTH:
        return None
    code = _SEPARATORS.sub("", text).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


# Characters people type for a code that no code has, by the group they are mistaken in.
_LOOK_ALIKES = {"0": "0 or O", "O": "0 or O", "1": "1, I or L", "I": "1, I or L"}
_LOOK_ALIKES |= {"L": "1, I or L", "U": "U or V", "V": "U or V"}
CODE_RULE = (
    "A class code has six characters: the letters A to Z without I, L, O, U and V, and "
    "the digits 2 to 9. Your teacher shows it like KQ7-M4P."
)


def why_not_code(text: object) -> str:
    """What is wrong with text as a code (normalize_code gave None), without repeating
    it: its length, or the look-alike characters it has that no code uses."""
    if not isinstance(text, str) or len(text) > 3 * CODE_LENGTH:
        return f"That is too long for a class code. {CODE_RULE}"
    typed = _SEPARATORS.sub("", text).upper()
    if len(typed) != CODE_LENGTH:
        return f"That has {len(typed)} characters, not six. {CODE_RULE}"
    groups = sorted({_LOOK_ALIKES[c] for c in typed if c in _LOOK_ALIKES})
    if groups:
        return f"No class code has {', nor '.join(groups)}: check those characters. {CODE_RULE}"
    return f"That has a character no class code uses. {CODE_RULE}"


def new_key() -> str:
    """A fresh teacher key: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(KEY_BYTES)


def is_key_shaped(text: object) -> bool:
    """Could text be a key at all (length and characters)? Anything else is refused
    before it is hashed."""
    return isinstance(text, str) and bool(_KEY.match(text))


def key_hash(key: str) -> str:
    """What the database keeps of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_matches(key: object, stored_hash: str) -> bool:
    """Does key belong to the class whose stored hash this is (constant time)?"""
    if not is_key_shaped(key):
        return False
    return hmac.compare_digest(key_hash(str(key)), stored_hash)


def new_voter() -> str:
    """A fresh voter token: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(VOTER_BYTES)


def is_voter_shaped(text: object) -> bool:
    """Could text be a voter token (length and characters)? Anything else from an
    address is ignored, and the tab gets a fresh token."""
    return isinstance(text, str) and bool(_VOTER.match(text))
