# ruff: noqa: E501  (legal prose: one paragraph a line, as the admin edits it)
"""The cooperative's first drafts of each legal text (Turkish), to be reviewed with its lawyer.

The demo data publishes them as version 1; a shop with no version of a kind yet publishes its
draft the first time an order needs it (documents.ensure_current), so a sale never goes out
without a pre-information form and a contract. Placeholders: services/legal/render.PLACEHOLDERS.
"""

from __future__ import annotations

_DRAFT_NOTICE = (
    "Bu metin kooperatifin taslağıdır; avukatımızla gözden geçirilip güncellenecektir. "
    "Yürürlükteki sürüm her zaman bu sayfadadır."
)

_COMPLAINTS = """## Şikâyet ve başvuru yolları
Sorularınız ve şikâyetleriniz için önce bize {{satici_eposta}} veya {{satici_telefon}} üzerinden ulaşın.
Uyuşmazlıklarda, Ticaret Bakanlığınca her yıl ilan edilen parasal sınırlar içinde yerleşim yerinizin veya işlemin yapıldığı yerin İl veya İlçe Tüketici Hakem Heyetine, bu sınırların üzerinde Tüketici Mahkemesine başvurabilirsiniz. Tüketici Mahkemesinde dava açmadan önce arabulucuya başvurmak zorunludur (dava şartı arabuluculuk).
Başvurularınızı Tüketici Bilgi Sistemi (TÜBİS) üzerinden e-Devlet'ten de yapabilirsiniz."""

_WITHDRAWAL = """## Cayma hakkı
Ürünü teslim aldığınız günden itibaren {{cayma_suresi}} gün içinde hiçbir gerekçe göstermeden ve cezai şart ödemeden sözleşmeden cayabilirsiniz. Birden fazla ürün ayrı ayrı teslim edilmişse süre son ürünün teslimiyle başlar.
Cayma bildiriminizi süresi içinde {{satici_eposta}} adresine, KEP adresimize ({{satici_kep}}) veya sipariş sayfanızdan iletebilirsiniz. Bildiriminiz bize ulaştıktan sonra 10 gün içinde ürünü bize geri gönderirsiniz; ürün elimize ulaştığında ödediğiniz tutarın tamamı (teslimat ücreti dahil) en geç 14 gün içinde, ödemede kullandığınız yöntemle iade edilir.
Siparişe özel olarak veya kişisel isteklerinize göre hazırlanan ürünlerde (Mesafeli Sözleşmeler Yönetmeliği m. 15) cayma hakkı kullanılamaz; bu ürünler sipariş özetinde ayrıca belirtilir."""

DRAFTS: dict[str, tuple[str, str]] = {
    "on_bilgilendirme": (
        "Ön Bilgilendirme Formu",
        f"""{_DRAFT_NOTICE}

6502 sayılı Tüketicinin Korunması Hakkında Kanun ve Mesafeli Sözleşmeler Yönetmeliği uyarınca, siparişinizi vermeden önce aşağıdaki bilgileri okumanızı rica ederiz.

## Ürünlerin temel nitelikleri ve fiyat
Ürünlerin tümü kooperatif üyesi kadınların el emeğidir; nitelikleri ürün sayfalarında yazılıdır. Yukarıdaki fiyatlara KDV dahildir. Teslimat ücreti ayrıca gösterilmiştir; başka bir ücret alınmaz.

## Ödeme ve teslimat
Ödeme yöntemi: {{{{odeme_yontemi}}}}. Kartla ödemeler güvenli ödeme sayfası üzerinden alınır; kart bilgileriniz kooperatifte saklanmaz. Havale/EFT ile verilen siparişlerde ürünler ödemeniz ulaşana kadar ayrılır.
Siparişiniz {{{{teslim_suresi}}}}; yasal en uzun süre 30 gündür. Ürün, teslimat adresinizde size veya gösterdiğiniz kişiye teslim edilir.

{_WITHDRAWAL}

{_COMPLAINTS}
""",
    ),
    "mesafeli_satis": (
        "Mesafeli Satış Sözleşmesi",
        f"""{_DRAFT_NOTICE}

## Madde 1 — Taraflar
Bu sözleşme, yukarıda bilgileri yazılı satıcı ({{{{satici_unvan}}}}) ile alıcı ({{{{alici_adi}}}}) arasında, {{{{siparis_tarihi}}}} tarihinde elektronik ortamda kurulmuştur.

## Madde 2 — Konu
Sözleşmenin konusu, alıcının satıcının internet sitesinden sipariş ettiği ve yukarıda adet, birim fiyat, KDV ve tutarıyla listelenen ürünlerin satışı ve teslimidir. Toplam bedel {{{{toplam}}}} (KDV dahil) olup teslimat ücretini içerir.

## Madde 3 — Teslimat
Ürünler alıcının bildirdiği teslimat adresine gönderilir ve {{{{teslim_suresi}}}}. Satıcı, siparişi yerine getiremeyeceğini öğrenirse alıcıyı bilgilendirir ve ödenen tutarı en geç 14 gün içinde iade eder.

## Madde 4 — Ödeme
Ödeme yöntemi: {{{{odeme_yontemi}}}}. Ödeme alınmadan sipariş hazırlanmaz.

{_WITHDRAWAL.replace("## Cayma hakkı", "## Madde 5 — Cayma hakkı")}

## Madde 6 — Kişisel veriler
Kişisel verileriniz KVKK Aydınlatma Metnimizde anlatıldığı gibi, yalnızca bu satışın gerektirdiği ölçüde işlenir.

{_COMPLAINTS.replace("## Şikâyet ve başvuru yolları", "## Madde 7 — Şikâyet ve başvuru yolları")}

Alıcı, ön bilgilendirme formunu okuduğunu ve bu sözleşmeyi elektronik ortamda onayladığını kabul eder. Sözleşmenin onaylanan metni siparişle birlikte saklanır ve alıcıya e-postayla gönderilir.
""",
    ),
    "kvkk": (
        "KVKK Aydınlatma Metni",
        f"""{_DRAFT_NOTICE}

6698 sayılı Kişisel Verilerin Korunması Kanunu (KVKK) m. 10 uyarınca veri sorumlusu {{{{satici_unvan}}}} olarak sizi bilgilendiririz.

## Hangi verileri işliyoruz
- Sipariş verdiğinizde: adınız, e-posta adresiniz, telefonunuz, teslimat adresiniz, kurumsal fatura isterseniz firma adı, vergi dairesi ve VKN/TCKN; siparişinizin içeriği ve ödeme durumu (kart bilgileriniz bize ulaşmaz, ödeme kuruluşunda kalır); sözleşmeyi onayladığınız zaman ve IP adresi.
- Hesap açtığınızda: adınız, e-posta adresiniz ve şifrenizin özeti.
- Kooperatife üye olmak için başvurduğunuzda: başvuru formundaki bilgiler ve ödemeleriniz için IBAN'ınız.

## Neden ve hangi hukuki sebeple
Siparişinizi teslim etmek ve sözleşmeyi ifa etmek (KVKK m. 5/2-c), fatura düzenlemek ve kayıtları yasal süre boyunca saklamak (m. 5/2-ç, hukuki yükümlülük), uyuşmazlıkta hakkımızı korumak (m. 5/2-e). Pazarlama iletisi ancak ayrıca açık onay verirseniz gönderilir.

## Kimlere aktarılır
Kargo firmasına (teslimat için), ödeme kuruluşuna (ödeme için), e-fatura entegratörümüze (fatura için) ve kanunen yetkili kamu kurumlarına; yalnızca gerektiği kadar.

## Haklarınız
KVKK m. 11 uyarınca verilerinizin işlenip işlenmediğini öğrenme, bilgi isteme, düzeltilmesini veya silinmesini isteme ve diğer haklarınızı kullanmak için {{{{satici_eposta}}}} veya KEP adresimiz {{{{satici_kep}}}} üzerinden başvurabilirsiniz; başvurunuz en geç 30 gün içinde yanıtlanır.
""",
    ),
    "cerez": (
        "Çerez Politikası",
        f"""{_DRAFT_NOTICE}

Bu sitede yalnızca sitenin çalışması için zorunlu çerezler kullanılır. Reklam, analiz veya takip çerezi kullanılmaz; üçüncü taraf çerezi yoktur. Zorunlu çerezler için onay gerekmez.

## Kullandığımız çerezler
- session: oturumunuz (giriş yaptıysanız), sepetiniz, dil seçiminiz ve formların güvenlik (CSRF) anahtarı. Tarayıcınızı kapattığınızda silinir; imzalıdır, içeriği değiştirilemez.
- remember_token: yalnızca girişte "Beni hatırla" kutusunu işaretlerseniz; 30 gün boyunca yeniden giriş yapmamanızı sağlar. Çıkış yaptığınızda silinir.

Çerezleri tarayıcınızın ayarlarından silebilirsiniz; o zaman sepetiniz boşalır ve yeniden giriş yapmanız gerekir.
""",
    ),
    "iade_cayma": (
        "İade ve Cayma Politikası",
        f"""{_DRAFT_NOTICE}

{_WITHDRAWAL}

## Ayıplı ürün
Ürün size hasarlı veya ayıplı ulaşırsa lütfen fotoğrafıyla birlikte bize yazın. 6502 sayılı Kanun m. 11 uyarınca bedel iadesi, ücretsiz onarım, yenisiyle değişim veya ayıp oranında indirim haklarınızdan birini seçebilirsiniz.

## İade nasıl yapılır
Ürünü, mümkünse ambalajıyla birlikte, bildirdiğimiz kargo firmasıyla gönderin; iade gönderim ücreti kooperatife aittir. Geri ödeme, ürünün bize ulaştığı günden itibaren en geç 14 gün içinde yapılır ve üreticilerin hesaplarından da kuruşu kuruşuna düşülür.

{_COMPLAINTS}
""",
    ),
}


def draft(kind: str) -> tuple[str, str]:
    """(title, body) of the cooperative's draft of ``kind``."""
    return DRAFTS[kind]
