"""The raw material of the demo data: names, BELMEK centres, crafts, titles and texts.

Data, not UI: these are the kind of names and words the cooperative's members would type, so
they are not wrapped for translation. services.demo combines them with a seeded random source.
"""

from __future__ import annotations

from dataclasses import dataclass

CENTRES = (
    "Keçiören BELMEK",
    "Mamak BELMEK",
    "Altındağ BELMEK",
    "Yenimahalle BELMEK",
    "Etimesgut BELMEK",
    "Sincan BELMEK",
    "Çankaya BELMEK",
    "Pursaklar BELMEK",
)

FIRST_NAMES = (
    "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Şükran", "Gülsüm", "Nurcan", "Meryem",
    "Sultan", "Hanife", "Havva", "Zehra", "Songül", "Hülya", "Serpil", "Nermin", "Gülay",
    "Sevim", "Yasemin", "Derya", "Aynur", "Filiz", "Kübra", "Esra", "Nazlı", "Dilek", "Melek",
    "Saadet", "Ümmühan", "Türkan", "Nuray", "Şerife", "Gönül", "Leyla", "Sibel", "Arzu",
    "Nesrin", "Canan", "Ayten", "Necla", "İlknur", "Gülten", "Fadime", "Reyhan", "Özlem",
)  # fmt: skip

SURNAMES = (
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan", "Doğan",
    "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özdemir", "Yıldız", "Yıldırım",
    "Özkan", "Şimşek", "Polat", "Korkmaz", "Güneş", "Aktaş", "Tekin", "Bozkurt", "Karaca",
    "Avcı", "Keskin", "Ünal", "Turan", "Erdem", "Kalkan", "Işık", "Gök", "Uçar", "Akın",
)  # fmt: skip

CUSTOMER_FIRST_NAMES = (
    "Mehmet", "Ali", "Can", "Murat", "Emre", "Deniz", "Selin", "Ece", "Burak", "Gizem",
    "Cem", "Merve", "Oğuz", "Ceren", "Tuba", "Kerem", "İrem", "Pınar", "Umut", "Şeyma",
)  # fmt: skip

# (il, ilçe, postal code prefix): where online and bank-transfer buyers live.
ADDRESSES = (
    ("Ankara", "Çankaya", "06"),
    ("Ankara", "Çankaya", "06"),
    ("Ankara", "Keçiören", "06"),
    ("Ankara", "Yenimahalle", "06"),
    ("Ankara", "Etimesgut", "06"),
    ("Ankara", "Mamak", "06"),
    ("İstanbul", "Kadıköy", "34"),
    ("İstanbul", "Beşiktaş", "34"),
    ("İstanbul", "Üsküdar", "34"),
    ("İzmir", "Karşıyaka", "35"),
    ("İzmir", "Bornova", "35"),
    ("Bursa", "Nilüfer", "16"),
    ("Antalya", "Muratpaşa", "07"),
    ("Eskişehir", "Tepebaşı", "26"),
    ("Konya", "Selçuklu", "42"),
)
STREETS = (
    "Atatürk Bulvarı",
    "Cumhuriyet Caddesi",
    "Tunalı Hilmi Caddesi",
    "İnönü Caddesi",
    "Bahçelievler 7. Cadde",
    "Gazi Mustafa Kemal Bulvarı",
    "Lale Sokak",
    "Menekşe Sokak",
    "Çamlık Sokak",
    "Kavaklıdere Sokak",
)

# Real Turkish bank codes (the 5 digits after the check digits): Ziraat, Halkbank, Vakıfbank,
# Akbank, Garanti BBVA, İş Bankası, Yapı Kredi, QNB, Denizbank, Kuveyt Türk.
BANK_CODES = (
    "00010",
    "00012",
    "00015",
    "00046",
    "00062",
    "00064",
    "00067",
    "00111",
    "00134",
    "00205",
)

# slug, Turkish name, English name, description (tr), description (en), commission override.
COLLECTIONS = (
    (
        "ipek-yolu",
        "İpek Yolu",
        "Silk Road",
        "Anadolu'dan Orta Asya'ya uzanan İpek Yolu'nun desenleri: ikat, çini ve kilim "
        "motifleri, kooperatif üyelerimizin elinde yeniden hayat buluyor.",
        "Patterns of the Silk Road that ran from Anatolia to Central Asia: ikat, çini and "
        "kilim motifs brought back to life by the cooperative's members.",
        None,
    ),
    (
        "ankara",
        "Ankara",
        "Ankara",
        "Ankara keçisinin tiftiği, Ankara kedisi, Hitit güneşi ve Hamamönü'nün eski evleri: "
        "başkentin simgeleri el emeğiyle.",
        "Angora goat mohair, the Angora cat, the Hittite sun and the old houses of "
        "Hamamönü: the capital's symbols, made by hand.",
        None,
    ),
    (
        "anneler-gunu",
        "Anneler Günü",
        "Mother's Day",
        "Annelere annelerin elinden hediyeler. Bu koleksiyonda kooperatif komisyonu "
        "indirimlidir; kazancın daha büyük kısmı üreticiye gider.",
        "Gifts for mothers, made by mothers. The cooperative takes a reduced commission "
        "on this collection, so more of each sale goes to the maker.",
        1000,
    ),
)


@dataclass(frozen=True)
class Item:
    title_tr: str
    title_en: str
    min_lira: int
    max_lira: int
    vat_bp: int = 2000
    made_to_order: bool = False  # usually made on request (big or custom pieces)


@dataclass(frozen=True)
class Motif:
    title_tr: str
    title_en: str
    collection: str | None = None


@dataclass(frozen=True)
class Craft:
    slug: str
    name_tr: str
    name_en: str
    code: str  # short-code prefix: DK-0012
    pattern: str  # services.images placeholder pattern
    colours: tuple[str, str]
    course: str  # "... kursuna başladım"
    items: tuple[Item, ...]
    motifs: tuple[Motif, ...]
    about_tr: str
    about_en: str
    likes: tuple[str, ...]


CRAFTS = (
    Craft(
        "dokuma", "Dokuma", "Weaving", "DK", "stripes", ("#b5651d", "#8d5524"), "dokuma",
        items=(
            Item("El Dokuması Atkı", "Hand-Woven Scarf", 350, 900, 1000),
            Item("Kilim Yastık Kılıfı", "Kilim Cushion Cover", 450, 1100),
            Item("Peştamal", "Peshtemal Towel", 280, 650, 1000),
            Item("Masa Örtüsü", "Tablecloth", 600, 1800),
            Item("Duvar Kilimi", "Wall Kilim", 1200, 2400, made_to_order=True),
            Item("Şal", "Shawl", 500, 1400, 1000),
        ),
        motifs=(
            Motif("İpek Yolu Desenli", "Silk Road Pattern", "ipek-yolu"),
            Motif("Ikat Desenli", "Ikat", "ipek-yolu"),
            Motif("Ankara Keçisi Tiftik", "Angora Mohair", "ankara"),
            Motif("Kök Boyalı", "Natural-Dyed"),
            Motif("Yün", "Wool"),
            Motif("Pamuklu", "Cotton"),
        ),
        about_tr="Tezgâhta, atkı ipliği tek tek elle geçirilerek dokundu.",
        about_en="Woven on a hand loom, every weft thread passed by hand.",
        likes=(
            "En çok kök boyalı yünlerle çalışmayı seviyorum.",
            "Annemden öğrendiğim kilim desenlerini yaşatmaya çalışıyorum.",
        ),
    ),
    Craft(
        "nakis", "Nakış", "Embroidery", "NK", "cross", ("#8e44ad", "#c0392b"), "nakış",
        items=(
            Item("İşlemeli Havlu", "Embroidered Towel", 180, 450),
            Item("İşlemeli Yazma", "Embroidered Headscarf", 250, 700, 1000),
            Item("Kasnak Tablo", "Embroidery Hoop Art", 300, 850),
            Item("Bez Çanta", "Tote Bag", 220, 480),
            Item("Peçete Takımı", "Napkin Set", 350, 900),
            Item("Kese", "Pouch", 150, 380),
            Item("Yastık Kılıfı", "Cushion Cover", 300, 700),
        ),
        motifs=(
            Motif("Tel Kırma", "Tel Kırma"),
            Motif("Hesap İşi", "Hesap İşi"),
            Motif("Maraş İşi", "Maraş Work"),
            Motif("İpek Yolu Motifli", "Silk Road Motif", "ipek-yolu"),
            Motif("Ankara Kalesi İşlemeli", "Ankara Castle", "ankara"),
            Motif("Çiçek İşlemeli", "Floral", "anneler-gunu"),
            Motif("Pullu", "Sequinned"),
        ),
        about_tr="Desen kumaşa önce çizildi, sonra iğneyle ilmek ilmek işlendi.",
        about_en="The pattern was drawn on the cloth, then stitched by hand, loop by loop.",
        likes=(
            "Tel kırma ve hesap işi en sevdiğim teknikler.",
            "Çeyiz sandıklarındaki eski desenleri yeniden işliyorum.",
        ),
    ),
    Craft(
        "seramik", "Seramik", "Ceramics", "SR", "circles", ("#2e86c1", "#1f618d"), "seramik",
        items=(
            Item("Seramik Kase", "Ceramic Bowl", 180, 650),
            Item("Seramik Tabak", "Ceramic Plate", 220, 750),
            Item("Kupa", "Mug", 150, 320),
            Item("Seramik Vazo", "Ceramic Vase", 400, 1400, made_to_order=True),
            Item("Sürahi", "Jug", 450, 1200),
            Item("Çay Tabağı Seti (6'lı)", "Tea Saucer Set (6 pcs)", 380, 900),
        ),
        motifs=(
            Motif("Çini Desenli", "Çini-Pattern"),
            Motif("İpek Yolu Motifli", "Silk Road Motif", "ipek-yolu"),
            Motif("Ankara Kedisi Figürlü", "Angora Cat", "ankara"),
            Motif("Hitit Güneşi Desenli", "Hittite Sun", "ankara"),
            Motif("Lale Motifli", "Tulip Motif", "anneler-gunu"),
            Motif("Sırlı", "Glazed"),
            Motif("Mavi Beyaz", "Blue and White"),
        ),
        about_tr="Elde şekillendirildi, fırınlandı ve kurşunsuz sırla sırlandı.",
        about_en="Shaped by hand, fired, and finished with a lead-free glaze.",
        likes=(
            "Çini desenlerini seramiğe fırçayla tek tek işliyorum.",
            "Çamurla çalışmak bana huzur veriyor.",
        ),
    ),
    Craft(
        "kece", "Keçe", "Felt", "KC", "dots", ("#c0392b", "#e67e22"), "keçe",
        items=(
            Item("Keçe Çanta", "Felt Bag", 350, 950),
            Item("Keçe Terlik", "Felt Slippers", 280, 600),
            Item("Keçe Şapka", "Felt Hat", 300, 700),
            Item("Keçe Bardak Altlığı Seti", "Felt Coaster Set", 120, 260),
            Item("Keçe Anahtarlık", "Felt Keyring", 85, 160),
            Item("Keçe Laptop Kılıfı", "Felt Laptop Sleeve", 380, 780),
        ),
        motifs=(
            Motif("", ""),
            Motif("Rengârenk", "Colourful"),
            Motif("İpek Yolu Desenli", "Silk Road Pattern", "ipek-yolu"),
            Motif("Hitit Güneşi Desenli", "Hittite Sun", "ankara"),
            Motif("Çiçekli", "Floral", "anneler-gunu"),
            Motif("Doğal Yün", "Natural Wool"),
        ),
        about_tr="Yün, sabunlu sıcak su ve sabırla elde keçeleştirildi.",
        about_en="Felted by hand from wool with hot soapy water and patience.",
        likes=(
            "Yaş keçe tekniğiyle çalışıyorum.",
            "Renkleri yün elyafı karıştırarak kendim elde ediyorum.",
        ),
    ),
    Craft(
        "taki", "Takı", "Jewellery", "TK", "diamonds", ("#16a085", "#b7950b"), "takı tasarımı",
        items=(
            Item("Kolye", "Necklace", 180, 950),
            Item("Küpe", "Earrings", 120, 480),
            Item("Bileklik", "Bracelet", 110, 420),
            Item("Broş", "Brooch", 95, 260),
            Item("Yüzük", "Ring", 140, 520),
        ),
        motifs=(
            Motif("İğne Oyası", "Needle Lace"),
            Motif("Gümüş Telkari", "Silver Filigree"),
            Motif("Mekik Oyası", "Tatting Lace"),
            Motif("İpek Yolu Boncuklu", "Silk Road Bead", "ipek-yolu"),
            Motif("Hitit Güneşi", "Hittite Sun", "ankara"),
            Motif("Nazar Boncuklu", "Evil Eye Bead"),
        ),
        about_tr="Her parçası elde takıldı, kilidi ve kancaları nikelsizdir.",
        about_en="Every piece is strung by hand; clasps and hooks are nickel-free.",
        likes=(
            "İğne oyasını takıyla buluşturmayı seviyorum.",
            "Telkari işini ustamdan öğrendim, şimdi ben öğretiyorum.",
        ),
    ),
    Craft(
        "sabun", "Sabun", "Soap", "SB", "bubbles", ("#d4ac0d", "#7dcea0"), "doğal sabun yapımı",
        items=(
            Item("El Yapımı Sabun", "Handmade Soap", 85, 180),
            Item("Sabun Seti (3'lü)", "Soap Set (3 pcs)", 220, 420),
            Item("Katı Şampuan", "Solid Shampoo", 110, 220),
            Item("Kese ve Sabun Seti", "Bath Mitt and Soap Set", 240, 480),
        ),
        motifs=(
            Motif("Zeytinyağlı", "Olive Oil"),
            Motif("Lavantalı", "Lavender"),
            Motif("Defne Yağlı", "Bay Laurel Oil"),
            Motif("Keçi Sütlü", "Goat Milk"),
            Motif("Bal ve Yulaflı", "Honey and Oat"),
            Motif("Gül Kokulu", "Rose-Scented", "anneler-gunu"),
            Motif("Bıttımlı", "Terebinth"),
        ),
        about_tr="Soğuk yöntemle yapıldı ve altı hafta kürlendi; koruyucu içermez.",
        about_en="Cold-process, cured for six weeks; no preservatives.",
        likes=(
            "Sabunlarımda yalnızca bitkisel yağlar kullanıyorum.",
            "Köyümüzün zeytinyağıyla sabun yapıyorum.",
        ),
    ),
    Craft(
        "orgu", "Örgü", "Knitting", "OR", "zigzag", ("#7d3c98", "#cb4335"), "örgü",
        items=(
            Item("Bere", "Beanie", 180, 380, 1000),
            Item("Atkı", "Scarf", 250, 600, 1000),
            Item("Bebek Hırkası", "Baby Cardigan", 350, 750, 1000, made_to_order=True),
            Item("Patik", "Booties", 150, 320, 1000),
            Item("Eldiven", "Gloves", 180, 380, 1000),
            Item("Yelek", "Vest", 600, 1500, 1000, made_to_order=True),
            Item("Amigurumi Oyuncak", "Amigurumi Toy", 180, 450),
        ),
        motifs=(
            Motif("Ankara Keçisi Tiftik", "Angora Mohair", "ankara"),
            Motif("Yün", "Wool"),
            Motif("Organik Pamuk", "Organic Cotton"),
            Motif("Burgu Desenli", "Cable-Knit"),
            Motif("Şiş Örgüsü", "Hand-Knit"),
            Motif("Tığ İşi", "Crochet", "anneler-gunu"),
        ),
        about_tr="Şişle ya da tığla, ilmek ilmek elde örüldü.",
        about_en="Knitted or crocheted by hand, stitch by stitch.",
        likes=(
            "Tiftik yünüyle örmeyi çok seviyorum.",
            "Torunlarım için başladığım örgüyü şimdi herkes için örüyorum.",
        ),
    ),
    Craft(
        "ahsap-boyama", "Ahşap Boyama", "Painted Wood", "AB", "leaves", ("#27ae60", "#a04000"),
        "ahşap boyama",
        items=(
            Item("Ahşap Tepsi", "Wooden Tray", 250, 700),
            Item("Ahşap Kutu", "Wooden Box", 180, 520),
            Item("Ahşap Kaşık Seti", "Wooden Spoon Set", 150, 380),
            Item("Ahşap Tabak", "Wooden Plate", 200, 550),
            Item("Ahşap Çerçeve", "Wooden Frame", 150, 400),
        ),
        motifs=(
            Motif("El Boyaması", "Hand-Painted"),
            Motif("Lale Desenli", "Tulip Pattern"),
            Motif("Kalemişi Desenli", "Kalemişi Pattern", "ipek-yolu"),
            Motif("Rumi Desenli", "Rumi Pattern", "ipek-yolu"),
            Motif("Hamamönü Evleri Resimli", "Hamamönü Houses", "ankara"),
            Motif("Çiçek Motifli", "Flower Motif", "anneler-gunu"),
        ),
        about_tr="Ihlamur ağacına akrilik boyayla elde boyandı ve vernikle korundu.",
        about_en="Hand-painted with acrylics on lime wood and sealed with varnish.",
        likes=(
            "Kalemişi desenlerini ahşaba uyarlıyorum.",
            "Eski Ankara evlerini resmetmeyi seviyorum.",
        ),
    ),
)  # fmt: skip

COLOURS = (
    ("Lacivert", "Navy"),
    ("Bordo", "Burgundy"),
    ("Hardal", "Mustard"),
    ("Turkuaz", "Turquoise"),
    ("Mercan", "Coral"),
    ("Zeytin Yeşili", "Olive Green"),
    ("Krem", "Cream"),
    ("Toprak", "Terracotta"),
)

BIOS = (
    "{year} yılında {centre}'te {course} kursuna başladım. {likes} Kooperatif sayesinde "
    "emeğimin karşılığını kendi hesabıma alıyorum.",
    "{kids} çocuk annesiyim. {centre}'teki {course} kursunda öğrendiklerimi şimdi evimde "
    "sürdürüyorum. {likes}",
    "{centre} {course} kursunun {year} mezunuyum. {likes} Siparişleri zamanında teslim etmeye "
    "özen gösteriyorum.",
)
KIDS = ("Bir", "İki", "Üç", "Dört")

CARE_TR = "Her parça el yapımı olduğundan renk ve ölçülerde küçük farklar olabilir."
CARE_EN = "Each piece is handmade, so colours and sizes may vary slightly."

APPLICATION_NOTES = (
    "Komşumun tavsiyesiyle başvuruyorum. Ürünlerimin fotoğraflarını ekledim.",
    "Kursu bu yıl bitirdim, ilk kez satış yapmak istiyorum.",
)

BAZAARS = (
    "Kızılay Kadın Emeği Pazarı",
    "Ankara Kalesi El Sanatları Şenliği",
    "Kadın Kooperatifleri Dayanışma Pazarı",
    "Hamamönü El Emeği Pazarı",
    "Gençlik Parkı Kooperatifler Buluşması",
)
