"""Vietnamese text helpers: diacritic folding for search and a collation key for sorting names."""

import unicodedata
from functools import lru_cache

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse spaces: "Nguyễn Văn  Ân" -> "nguyen van an"."""
    text = (text or "").translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def normalise_name(text: str) -> str:
    """Canonical form of a person's name as typed: NFC, single spaces, each word capitalised."""
    text = unicodedata.normalize("NFC", text or "")
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


# Vietnamese alphabet order; tones are a secondary difference (no tone < huyền < hỏi < ngã < sắc < nặng).
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANK = {letter: i + 10 for i, letter in enumerate(_ALPHABET)}
_TONE_RANK = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[str, str]:
    primary: list[str] = []
    tones: list[str] = []
    for ch in word.lower():
        parts = unicodedata.normalize("NFD", ch)
        base = parts[0]
        mods = "".join(p for p in parts[1:] if p in _MODIFIERS)
        tone = next((_TONE_RANK[p] for p in parts[1:] if p in _TONE_RANK), "0")
        letter = unicodedata.normalize("NFC", base + mods)
        if letter in _LETTER_RANK:
            primary.append(f"{_LETTER_RANK[letter]:02d}")
            tones.append(tone)
        elif base.isdigit():
            primary.append(f"0{base}")
    return "".join(primary), "".join(tones)


def name_sort_key(full_name: str) -> str:
    """A digits-only key that sorts Vietnamese names the Vietnamese way in any database collation.

    Given name (the last word) first, then the family and middle names, letter by letter in the
    Vietnamese alphabet (a < ă < â < b ... d < đ), then tones as a tie-breaker.
    """
    words = normalise_name(full_name).split()
    if not words:
        return ""
    ordered = [words[-1], *words[:-1]]
    keys = [_word_keys(w) for w in ordered]
    # The given name decides first (letters, then tones: "Anh" < "Ánh" < "Bình"); then the rest.
    given_primary, given_tones = keys[0]
    rest_primary = "00".join(k[0] for k in keys[1:])
    rest_tones = "".join(k[1] for k in keys[1:])
    return (given_primary + "0000" + given_tones + "9" + rest_primary + "0000" + rest_tones)[:250]
