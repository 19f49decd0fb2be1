"""One vocabulary for every page: the words shown for the codes stored in the database.

docs/glossary.md is the same list for people (Turkish and English side by side); the catalogues
follow it. A page never shows a stored code: it asks here. ``tests/unit/test_vocabulary.py``
checks every audit action the code records has its words here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask_babel import lazy_gettext as _l

from coopshop.money import kurus_text, percent_text

CHANNELS = {
    "online": _l("İnternet"),
    "bank_transfer": _l("Havale/EFT"),
    "bazaar": _l("Pazar ve fuar"),
}

PAYMENT_METHODS = {
    "demo": _l("Deneme ödemesi"),
    "card": _l("Kart"),
    "stripe": _l("Kart (Stripe)"),
    "iyzico": _l("Kart (iyzico)"),
    "bank_transfer": _l("Havale/EFT"),
    "cash": _l("Nakit"),
    "card_terminal": _l("Kart (POS cihazı)"),
}

PAYMENT_STATUSES = {
    "pending": _l("Bekliyor"),
    "requires_payment_method": _l("Ödeme bekleniyor"),
    "processing": _l("İşleniyor"),
    "succeeded": _l("Başarılı"),
    "paid": _l("Ödendi"),
    "failed": _l("Başarısız"),
    "canceled": _l("İptal edildi"),
    "cancelled": _l("İptal edildi"),
    "refunded": _l("İade edildi"),
}

# Every action the code records in the audit log (the test keeps this complete).
AUDIT_ACTIONS = {
    "api_token.created": _l("API anahtarı oluşturuldu"),
    "api_token.revoked": _l("API anahtarı iptal edildi"),
    "bank.line_matched": _l("Banka ekstresi satırı elle eşleştirildi"),
    "bank.statement_imported": _l("Banka ekstresi yüklendi"),
    "bazaar.offline_ticket": _l("Çevrimdışı pazar fişi alındı"),
    "bazaar.offline_ticket_resolved": _l("Çevrimdışı fişin sorunu çözüldü"),
    "bazaar.sale": _l("Pazar satışı"),
    "cash.open": _l("Kasa açıldı"),
    "cash.close": _l("Kasa kapandı"),
    "consent.marketing_given": _l("Kampanya e-postalarına izin verdi"),
    "consent.marketing_withdrawn": _l("Kampanya e-postası iznini geri aldı"),
    "data_request.export": _l("Kişisel veri dökümü hazırlandı"),
    "data_request.downloaded": _l("Kişisel veri dökümü indirildi"),
    "data_request.erasure_requested": _l("Verilerin silinmesi istendi"),
    "data_request.erased": _l("Kişisel veriler silindi"),
    "data_request.refused": _l("Veri talebi reddedildi"),
    "fulfilment.received": _l("Ürün üreticiden teslim alındı"),
    "fulfilment.shipped": _l("Kargoya verildi"),
    "fulfilment.delivered": _l("Teslim edildi"),
    "fulfilment.unshipped": _l("Etiket iptal edildi: sipariş yeniden kargoya hazır"),
    "fulfilment.returned": _l("Gönderi göndericiye geri döndü"),
    "fulfilment.reship": _l("Geri dönen sipariş yeniden kargoya hazır"),
    "pickup.received": _l("Merkezden toplamada ürün teslim alındı"),
    "product.packed": _l("Ürünün kargo paketi değişti"),
    "legal.published": _l("Yasal metnin yeni sürümü yayımlandı"),
    "member.approve": _l("Üyelik onaylandı"),
    "member.refuse": _l("Başvuru reddedildi"),
    "member.suspend": _l("Üyelik askıya alındı"),
    "member.reactivate": _l("Üyelik yeniden etkin"),
    "member.commission": _l("Üyenin komisyon oranı değişti"),
    "member.deduction": _l("Üyeden kesinti"),
    "member.deduction_reversed": _l("Kesinti geri alındı"),
    "member.tax_status": _l("Üyenin vergi durumu değişti"),
    "membership.applied": _l("Üyelik başvurusu"),
    "offline.transfer_sale": _l("Havaleli satış elle girildi"),
    "payment.after_expiry": _l("Süresi dolmuş siparişe ödeme geldi"),
    "payment.amount_mismatch": _l("Ödeme tutarı siparişe uymuyor"),
    "payment.failed": _l("Ödeme başarısız"),
    "payment.wrong_provider": _l("Ödeme beklenmeyen sağlayıcıdan geldi"),
    "payout.batch_approved": _l("Ödeme listesi onaylandı"),
    "payout.batch_cancelled": _l("Ödeme listesi iptal edildi"),
    "payout.batch_closed": _l("Ödeme listesi kapandı"),
    "payout.batch_exported": _l("Ödeme listesinin banka dosyası indirildi"),
    "payout.member_invoice": _l("Üyenin faturası ödeme satırına yazıldı"),
    "payout.line_failed": _l("Üyeye ödeme yapılamadı"),
    "payout.line_paid": _l("Üyeye ödendi"),
    "policy.rate_scheduled": _l("Komisyon oranı planlandı"),
    "policy.rate_cancelled": _l("Planlanan komisyon oranı iptal edildi"),
    "producer.iban_change_requested": _l("Yeni IBAN istendi (bekleme süresinde)"),
    "producer.iban_change_confirmed": _l("Yeni IBAN yönetici tarafından onaylandı"),
    "producer.iban_change_applied": _l("Yeni IBAN geçerli oldu"),
    "producer.iban_change_cancelled": _l("Yeni IBAN isteği durduruldu"),
    "producer.profile_updated": _l("Üye profili güncellendi"),
    "product.created": _l("Ürün oluşturuldu"),
    "product.updated": _l("Ürün güncellendi"),
    "product.submitted": _l("Ürün incelemeye gönderildi"),
    "product.approve": _l("Ürün onaylandı"),
    "product.send_back": _l("Ürün düzeltmeye geri gönderildi"),
    "product.archived": _l("Ürün arşivlendi"),
    "product.restored": _l("Ürün geri alındı"),
    "product.maker_invited": _l("Ortak üretici davet edildi"),
    "product.maker_accepted": _l("Ortak üretici payını kabul etti"),
    "product.maker_declined": _l("Ortak üretici payını istemedi"),
    "product.withdrawal_exclusion": _l("Ürünün cayma hakkı istisnası değişti"),
    "product.photos_added": _l("Ürüne fotoğraf eklendi"),
    "product.photo_removed": _l("Ürün fotoğrafı kaldırıldı"),
    "refund.requested": _l("İade istendi"),
    "refund.created": _l("İade yapıldı"),
    "refund.request_failed": _l("İade isteği başarısız"),
    "refund.amount_mismatch": _l("İade tutarı uymuyor"),
    "refund.unmatched": _l("Eşleşmeyen iade"),
    "shipping.label": _l("Kargo etiketi"),
    "shipping.created": _l("Gönderi oluşturuldu"),
    "shipping.in_transit": _l("Gönderi yolda"),
    "shipping.out_for_delivery": _l("Gönderi dağıtımda"),
    "shipping.delivered": _l("Gönderi teslim edildi"),
    "shipping.returned": _l("Gönderi geri döndü"),
    "shipping.failed": _l("Gönderi teslim edilemedi"),
    "shipping.label_cancelled": _l("Kargo etiketi iptal edildi"),
    "shipping.return_label": _l("İade kargo kodu oluşturuldu"),
    "shipping.return_created": _l("İade gönderisi oluşturuldu"),
    "shipping.return_in_transit": _l("İade gönderisi yolda"),
    "shipping.return_out_for_delivery": _l("İade gönderisi dağıtımda"),
    "shipping.return_delivered": _l("İade gönderisi bize ulaştı"),
    "shipping.return_returned": _l("İade gönderisi alıcıya geri döndü"),
    "shipping.return_failed": _l("İade gönderisi teslim edilemedi"),
    "shipping.rate_added": _l("Kargo fiyatı eklendi"),
    "shipping.rate_removed": _l("Kargo fiyatı silindi"),
    "collection.create": _l("Koleksiyon oluşturuldu"),
    "collection.update": _l("Koleksiyon güncellendi"),
    "category.create": _l("Kategori oluşturuldu"),
    "category.update": _l("Kategori güncellendi"),
    "statement_question.asked": _l("Üye hesabıyla ilgili soru sordu"),
    "statement_question.answered": _l("Üyenin sorusu yanıtlandı"),
    "stock.adjusted": _l("Stok düzeltildi"),
    "transfer.confirm": _l("Havale onaylandı"),
    "transfer.cancel": _l("Havale beklenen sipariş iptal edildi"),
    "transfer.expired": _l("Havalenin süresi doldu"),
    "withholding.rate_scheduled": _l("Stopaj oranı planlandı"),
    "withholding.rate_cancelled": _l("Planlanan stopaj oranı geri çekildi"),
    "withdrawal.requested": _l("Cayma talebi alındı"),
    "withdrawal.received": _l("Cayma: ürün geri geldi"),
    "withdrawal.refunded": _l("Cayma: para iade edildi"),
    "withdrawal.refund_failed": _l("Cayma: kart iadesi yapılamadı"),
    "withdrawal.rejected": _l("Cayma talebi iadesiz kapatıldı"),
    "user.locked": _l("Hesap kilitlendi"),
    "user.email_changed": _l("E-posta adresi değişti"),
    "user.password_changed": _l("Parola değişti"),
    "user.role_changed": _l("Kullanıcının rolü değişti"),
}

# The names of the things an audit entry is about (the models' class names).
OBJECT_TYPES = {
    "Order": _l("Sipariş"),
    "OrderLine": _l("Sipariş satırı"),
    "Product": _l("Ürün"),
    "ProducerProfile": _l("Üye"),
    "User": _l("Kullanıcı"),
    "Refund": _l("İade"),
    "Payment": _l("Ödeme"),
    "PayoutBatch": _l("Ödeme listesi"),
    "PayoutLine": _l("Üye ödemesi"),
    "CashSession": _l("Kasa"),
    "Deduction": _l("Kesinti"),
    "CommissionRate": _l("Komisyon oranı"),
    "StatementQuestion": _l("Soru"),
    "ApiToken": _l("API anahtarı"),
    "Shipment": _l("Gönderi"),
    "PickupRun": _l("Merkezden toplama"),
    "OfflineTicket": _l("Çevrimdışı fiş"),
    "Invoice": _l("Fatura"),
    "DataRequest": _l("Veri talebi"),
    "WithholdingRate": _l("Stopaj oranı"),
    "WithdrawalRequest": _l("Cayma talebi"),
    "IbanChange": _l("IBAN değişikliği"),
    "LegalDocument": _l("Yasal metin"),
    "OrderAgreement": _l("Onaylanan sözleşme"),
    "ConsentRecord": _l("İzin kaydı"),
    "BankStatement": _l("Banka ekstresi"),
    "BankStatementLine": _l("Banka ekstresi satırı"),
}

# The words for the details an audit entry keeps; amounts (``*_kurus``) show as money, rates
# (``*_bp``) as percentages.
AUDIT_FIELDS = {
    "amount_kurus": _l("Tutar"),
    "statement_id": _l("Ekstre no"),
    "bank": _l("Banka"),
    "skipped": _l("Önceden yüklenmiş satırlar"),
    "ref": _l("Belge"),
    "was": _l("Önceki durum"),
    "total_kurus": _l("Toplam"),
    "expected_kurus": _l("Beklenen"),
    "received_kurus": _l("Gelen"),
    "refundable_kurus": _l("İade edilebilir"),
    "difference_kurus": _l("Fark"),
    "counted_kurus": _l("Sayılan"),
    "correction_kurus": _l("Düzeltme"),
    "opening_float_kurus": _l("Açılış parası"),
    "withholding_kurus": _l("Stopaj"),
    "price_kurus": _l("Fiyat"),
    "price": _l("Fiyat"),
    "rate_bp": _l("Oran"),
    "vat_bp": _l("KDV"),
    "from_bp": _l("Eski oran"),
    "to_bp": _l("Yeni oran"),
    "provider": _l("Ödeme sağlayıcısı"),
    "provider_ref": _l("Sağlayıcı referansı"),
    "transaction_id": _l("İşlem no"),
    "reason": _l("Gerekçe"),
    "note": _l("Not"),
    "memo": _l("Açıklama"),
    "producer_id": _l("Üye no"),
    "order": _l("Sipariş"),
    "order_id": _l("Sipariş no"),
    "order_line_id": _l("Sipariş satırı"),
    "lines": _l("Satırlar"),
    "line_ids": _l("Satırlar"),
    "tracking_number": _l("Kargo takip no"),
    "scope": _l("Kapsam"),
    "payment_method": _l("Ödeme yolu"),
    "method": _l("Yol"),
    "name": _l("Ad"),
    "code": _l("Kod"),
    "changed": _l("Değişenler"),
    "cash_session_id": _l("Kasa no"),
    "batch_id": _l("Liste no"),
    "approved": _l("Onaylandı"),
    "user_id": _l("Kullanıcı no"),
    "from_status": _l("Eski durum"),
    "to_status": _l("Yeni durum"),
    "status": _l("Durum"),
    "from_role": _l("Eski rol"),
    "to_role": _l("Yeni rol"),
    "stock": _l("Stok"),
    "delta": _l("Değişim"),
    "reversal_id": _l("Geri alma no"),
    "ledger_entry_id": _l("Defter kaydı"),
    "kind": _l("Tür"),
    "image_id": _l("Fotoğraf no"),
    "collection_id": _l("Koleksiyon no"),
    "locked_until": _l("Kilit bitişi"),
    "exemption_expires": _l("Muafiyet bitişi"),
    "error": _l("Hata"),
    "error_code": _l("Hata kodu"),
    "error_message": _l("Hata iletisi"),
    "event_type": _l("Bildirim türü"),
    "event_name": _l("Bildirim"),
    "event_id": _l("Bildirim no"),
    "failed": _l("Başarısız"),
    "frozen": _l("Dondurulan"),
    "problems": _l("Sorunlar"),
    "conflicts": _l("Çakışmalar"),
    "client_ref": _l("Cihaz fiş no"),
    "device_id": _l("Cihaz"),
    "desk": _l("Stand"),
    "cutoff": _l("Kesim tarihi"),
    "currency": _l("Para birimi"),
    "count": _l("Adet"),
    "idempotency_key": _l("Tekrar anahtarı"),
}


def _word(table: Mapping[str, object], code: str | None, fallback: str | None = None) -> str:
    if not code:
        return ""
    word = table.get(code)
    return str(word) if word is not None else (fallback if fallback is not None else code)


def channel(code: str | None) -> str:
    return _word(CHANNELS, code)


def payment_method(code: str | None) -> str:
    return _word(PAYMENT_METHODS, code)


def payment_status(code: str | None) -> str:
    return _word(PAYMENT_STATUSES, code)


def audit_action(code: str | None) -> str:
    return _word(AUDIT_ACTIONS, code)


def object_type(code: str | None) -> str:
    return _word(OBJECT_TYPES, code)


def _field_label(key: str) -> str:
    word = AUDIT_FIELDS.get(key)
    return str(word) if word is not None else key.replace("_", " ")


def _value_text(key: str, value: object, locale: str) -> str:
    if isinstance(value, bool):
        return str(_l("evet") if value else _l("hayır"))
    if isinstance(value, int) and (key.endswith("_kurus") or key == "price"):
        return kurus_text(value, locale)
    if isinstance(value, int) and key.endswith("_bp"):
        return percent_text(value, locale)
    if key in ("provider", "payment_method", "method") and isinstance(value, str):
        return payment_method(value)
    if key in ("from_status", "to_status", "status") and isinstance(value, str):
        return payment_status(value)
    if isinstance(value, dict):
        return "; ".join(
            f"{_field_label(k)}: {_value_text(k, v, locale)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(key, v, locale) for v in value)
    return "" if value is None else str(value)


def audit_details(data: Mapping[str, object] | None, locale: str) -> Iterator[tuple[str, str]]:
    """An audit entry's details as (words, text) pairs: money as money, rates as percentages."""
    for key in sorted(data or {}):
        yield _field_label(key), _value_text(key, data[key], locale)
