"""Demo accounts: the documented demo logins, readable unique e-mail addresses, and Turkish
IBANs with valid check digits (ISO 13616), so the demo's members pass the real rules.
"""

from __future__ import annotations

from coopshop.demo.summary import DEMO_PASSWORD
from coopshop.models import (
    User,
)
from coopshop.services.members import users as user_service
from coopshop.turkish import search_fold


def turkish_iban(bank_code: str, account: str) -> str:
    """TR + check digits + 5-digit bank code + reserve digit 0 + 16-digit account (ISO 13616)."""
    bban = f"{bank_code}0{account}"
    if len(bban) != 22 or not bban.isdigit():
        raise ValueError("a Turkish BBAN is 22 digits")
    # Move "TR00" to the end, letters as numbers (T=29, R=27); the check makes it 1 mod 97.
    check = 98 - int(bban + "292700") % 97
    return f"TR{check:02d}{bban}"


def demo_login(email: str, name: str, role: str) -> User:
    """An account through the users service, with the documented demo password."""
    return user_service.create_user(email, DEMO_PASSWORD, name, role=role)


def email_for(name: str, domain: str, taken: set[str]) -> str:
    local = ".".join(search_fold(name).split())
    email, n = f"{local}@{domain}", 2
    while email in taken:
        email, n = f"{local}{n}@{domain}", n + 1
    taken.add(email)
    return email
