"""Turkish-aware search folding: people type without ç ğ ı ö ş ü, and I/İ lower-case the
Turkish way, so both spellings must meet in one folded form."""

from __future__ import annotations

import unicodedata

import pytest

from coopshop.turkish import search_fold, turkish_lower


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ipek", "İPEK YOLU"),
        ("İpek", "ipek yolu koleksiyonu"),
        ("IPEK", "İpek Yolu"),  # a dotless capital I, as an English keyboard types it
        ("canta", "Çanta"),
        ("ÇANTA", "keçe çanta"),
        ("ISIK", "ışık"),
        ("isik", "IŞIK"),
        ("İstanbul", "istanbul"),
        ("istanbul", "İSTANBUL"),
        ("ŞİŞE", "sise"),
        ("sise", "Şişe"),
        ("oya", "İğne Oyası"),
        ("igne oyasi", "İĞNE OYASI"),
        ("kece", "KEÇE"),
        ("ogretmen", "Öğretmen"),
        ("uzum", "üzüm"),
        ("kagit", "Kâğıt"),
        ("atki", "El dokuması atkı"),
        ("canta", unicodedata.normalize("NFD", "Çanta")),  # ç as c + combining cedilla
        (unicodedata.normalize("NFD", "İpek"), "ipek"),  # İ as I + combining dot above
    ],
)
def test_typed_text_finds_the_stored_text(typed, stored):
    assert search_fold(typed) in search_fold(stored)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İPEK YOLU", "ipek yolu"),
        ("Çanta", "canta"),
        ("ISIK", "isik"),
        ("ışık", "isik"),
        ("İstanbul", "istanbul"),
        ("ŞİŞE", "sise"),
        ("ĞÜÖ", "guo"),
        ("  çok   boşluklu\n metin ", "cok bosluklu metin"),
        ("", ""),
    ],
)
def test_search_fold(text, folded):
    assert search_fold(text) == folded


@pytest.mark.parametrize(
    ("text", "lowered"),
    [("ISPARTA", "ısparta"), ("İZMİR", "izmir"), ("IŞIK", "ışık"), ("Ankara", "ankara")],
)
def test_turkish_lower_keeps_the_dots_right(text, lowered):
    # str.lower() would give "isparta" and "i̇zmi̇r" (with a stray combining dot).
    assert turkish_lower(text) == lowered


@pytest.mark.parametrize(("typed", "stored"), [("canta", "cinta"), ("ipek", "ibrik")])
def test_folding_does_not_make_different_words_meet(typed, stored):
    assert search_fold(typed) not in search_fold(stored)
