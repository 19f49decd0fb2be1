"""Facts about Turkey the shop needs: Istanbul time and its day bounds (the shop's days, months and
cutoffs are Istanbul's), and the 81 provinces (il), in their official spelling."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")


def istanbul_date(moment: datetime) -> date:
    """The Istanbul day ``moment`` (aware) falls on."""
    return moment.astimezone(ISTANBUL).date()


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in Istanbul (aware)."""
    return datetime.combine(day, time.min, tzinfo=ISTANBUL)


def day_end(day: date) -> datetime:
    """The first moment after ``day`` in Istanbul: the exclusive end of the day."""
    return day_start(day + timedelta(days=1))


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in Istanbul: whole days, both kept
    (``last`` defaults to ``first``)."""
    return day_start(first), day_end(last or first)


def last_moment(day: date) -> datetime:
    """The last microsecond of ``day`` in Istanbul (a cutoff that includes the whole day)."""
    return day_end(day) - timedelta(microseconds=1)


PROVINCES = (
    "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Aksaray", "Amasya", "Ankara", "Antalya",
    "Ardahan", "Artvin", "Aydın", "Balıkesir", "Bartın", "Batman", "Bayburt", "Bilecik",
    "Bingöl", "Bitlis", "Bolu", "Burdur", "Bursa", "Çanakkale", "Çankırı", "Çorum", "Denizli",
    "Diyarbakır", "Düzce", "Edirne", "Elazığ", "Erzincan", "Erzurum", "Eskişehir", "Gaziantep",
    "Giresun", "Gümüşhane", "Hakkari", "Hatay", "Iğdır", "Isparta", "İstanbul", "İzmir",
    "Kahramanmaraş", "Karabük", "Karaman", "Kars", "Kastamonu", "Kayseri", "Kilis",
    "Kırıkkale", "Kırklareli", "Kırşehir", "Kocaeli", "Konya", "Kütahya", "Malatya", "Manisa",
    "Mardin", "Mersin", "Muğla", "Muş", "Nevşehir", "Niğde", "Ordu", "Osmaniye", "Rize",
    "Sakarya", "Samsun", "Şanlıurfa", "Siirt", "Sinop", "Sivas", "Şırnak", "Tekirdağ", "Tokat",
    "Trabzon", "Tunceli", "Uşak", "Van", "Yalova", "Yozgat", "Zonguldak",
)  # fmt: skip

assert len(PROVINCES) == 81  # noqa: S101 (a typo here would silently drop a province)

# The provinces' plate codes ("06" Ankara), which carriers and aggregators ask for as city code.
_PLATE_ORDER = (
    "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Amasya", "Ankara", "Antalya", "Artvin",
    "Aydın", "Balıkesir", "Bilecik", "Bingöl", "Bitlis", "Bolu", "Burdur", "Bursa", "Çanakkale",
    "Çankırı", "Çorum", "Denizli", "Diyarbakır", "Edirne", "Elazığ", "Erzincan", "Erzurum",
    "Eskişehir", "Gaziantep", "Giresun", "Gümüşhane", "Hakkari", "Hatay", "Isparta", "Mersin",
    "İstanbul", "İzmir", "Kars", "Kastamonu", "Kayseri", "Kırklareli", "Kırşehir", "Kocaeli",
    "Konya", "Kütahya", "Malatya", "Manisa", "Kahramanmaraş", "Mardin", "Muğla", "Muş",
    "Nevşehir", "Niğde", "Ordu", "Rize", "Sakarya", "Samsun", "Siirt", "Sinop", "Sivas",
    "Tekirdağ", "Tokat", "Trabzon", "Tunceli", "Şanlıurfa", "Uşak", "Van", "Yozgat", "Zonguldak",
    "Aksaray", "Bayburt", "Karaman", "Kırıkkale", "Batman", "Şırnak", "Bartın", "Ardahan",
    "Iğdır", "Yalova", "Karabük", "Kilis", "Osmaniye", "Düzce",
)  # fmt: skip
PLATE_CODES = {name: f"{number:02d}" for number, name in enumerate(_PLATE_ORDER, start=1)}

assert set(PLATE_CODES) == set(PROVINCES)  # noqa: S101 (every province has its plate code)
