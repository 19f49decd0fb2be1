"""Turkish-aware text folding for search: "ipek" finds "İPEK YOLU", "canta" finds "Çanta"."""

import re
import unicodedata

# Turkish case rules first (I -> ı, İ -> i), then fold the letters people type without.
_UPPER_TR = str.maketrans({"I": "ı", "İ": "i"})
_FOLD = str.maketrans(
    {"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u", "â": "a", "î": "i", "û": "u"}
)
_SPACES = re.compile(r"\s+")


def turkish_lower(text: str) -> str:
    return text.translate(_UPPER_TR).lower()


def search_fold(text: str) -> str:
    """Lower-case by Turkish rules and fold ç ğ ı ö ş ü, so both spellings meet in one column."""
    # NFC first: text typed or pasted as base letter + combining mark (macOS, some phones send
    # "c" + U+0327 for "ç") must fold the same as the precomposed letter.
    folded = turkish_lower(unicodedata.normalize("NFC", text)).translate(_FOLD)
    # str.lower() turns a stray combining dot (from "İ" typed as I + U+0307) into noise.
    folded = folded.replace("\u0307", "")
    return _SPACES.sub(" ", folded).strip()
