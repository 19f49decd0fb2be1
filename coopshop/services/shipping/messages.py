"""A provider's refusal in staff's words: Turkish (or English) sentences for the codes we know,
the provider's own English text only as the detail after it.

Codes are ours (geliver.py's _error: timeout, unavailable, bad_request, bad_response, no_offers,
no_label, label_not_pdf, http_<status>) or Geliver's envelope `code`, which its documentation
does not list: those below are the ones its SDKs and documented answers show, the rest are
recognised by a word in them (ADDRESS, PHONE, BALANCE, OFFER) or get the general sentence.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coopshop.services.core.errors import Conflict, DomainError, ValidationFailed
from coopshop.services.shipping.base import ShippingError

# Refusals a person can fix, told in her words under the field they concern.
FIELD_ERRORS = {
    "tracking_number_required": ("tracking_number", _l("Kargo takip numarasını yazın.")),
    "tracking_number_too_long": (
        "tracking_number",
        _l("Takip numarası en fazla %(n)d karakter olabilir.", n=80),
    ),
    "unknown_carrier": ("carrier", _l("Kargo firmasını seçin.")),
}

_ADMIN = _l("Kargo aracısı hesabımızı ya da anahtarımızı kabul etmedi; yöneticiye haber verin.")
_ADDRESS = _l(
    "Kargo aracısı adresi kabul etmedi: alıcının il, ilçe ve adres bilgisini kontrol edin."
)

MESSAGES = {
    "no_offers": _l("Bu paket için kargo teklifi gelmedi; ölçüleri ve ağırlığı kontrol edin."),
    "no_label": _l("Kargo aracısında bu gönderinin etiketi henüz yok; biraz sonra deneyin."),
    "label_not_pdf": _l("Etiket dosyası PDF olarak gelmedi; biraz sonra yeniden deneyin."),
    "bad_response": _l("Kargo aracısından beklenmeyen bir yanıt geldi; yöneticiye haber verin."),
    "bad_request": _l("Kargo aracısına giden bilgiler eksik (telefon, posta kodu ya da adres)."),
    "bad_amount": _l("Kargo aracısı anlaşılamayan bir fiyat verdi; yöneticiye haber verin."),
    "not_configured": _l("Kargo ayarları eksik; yöneticiye haber verin."),
    "http_400": _l("Kargo aracısı isteği kabul etmedi; bilgileri kontrol edip yeniden deneyin."),
    "http_401": _ADMIN,
    "http_403": _ADMIN,
    "UNAUTHORIZED": _ADMIN,
    "http_404": _l("Gönderi kargo aracısında bulunamadı."),
    "NOT_FOUND": _l("Gönderi kargo aracısında bulunamadı."),
    "OFFER_NOT_FOUND": _l("Seçilen teklif artık geçerli değil; teklifleri yeniden alın."),
    "OFFER_ALREADY_ACCEPTED": _l("Bu gönderinin etiketi zaten alınmış."),
    "ADDRESS_NOT_FOUND": _l("Gönderici adresi kargo aracısında yok; yöneticiye haber verin."),
    "VALIDATION": _ADDRESS,
}
_BY_WORD = (
    ("PHONE", _l("Alıcının telefon numarası eksik ya da hatalı.")),
    ("BALANCE", _l("Kargo aracısındaki bakiyemiz yetersiz; yöneticiye haber verin.")),
    ("ADDRESS", _ADDRESS),
    ("OFFER", _l("Seçilen teklif artık geçerli değil; teklifleri yeniden alın.")),
)
_RETRY = _l("Kargo firması şu an yanıt vermiyor; biraz sonra yeniden deneyin.")
_GENERAL = _l("Kargo aracısı isteği kabul etmedi.")


def words_for(exc: ShippingError):
    """Our sentence for the refusal (lazy, in the reader's language)."""
    if exc.code in MESSAGES:
        return MESSAGES[exc.code]
    upper = exc.code.upper()
    for word, message in _BY_WORD:
        if word in upper:
            return message
    return _RETRY if exc.retryable else _GENERAL


def shipping_error(exc: ShippingError) -> DomainError:
    """A provider's refusal as a domain error: a field to fix, a "try again", or our sentence
    with the provider's words after it as the detail."""
    if exc.code in FIELD_ERRORS:
        name, message = FIELD_ERRORS[exc.code]
        return ValidationFailed(message, field=name)
    if exc.retryable and exc.code not in MESSAGES:
        return Conflict(_RETRY, code=exc.code)
    return Conflict(
        _l(
            "%(message)s (Kargo aracısının yanıtı: %(detail)s)",
            message=words_for(exc),
            detail=f"{exc.code}: {exc.message}",
        ),
        code=exc.code,
    )
