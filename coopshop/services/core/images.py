"""Product images: checking and re-encoding uploads, thumbnails, and generated placeholders.

Files live under the UPLOAD_DIR setting; the paths returned (and stored) are relative to it, with
forward slashes, and the shop serves them from /media/<path>.
"""

from __future__ import annotations

import io
import random
import secrets
import warnings
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from coopshop.services.core.errors import ValidationFailed

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone photo is 12-50 megapixels; far more than that is a decompression bomb, not a photo.
MAX_PIXELS = 64_000_000
MAX_SIDE = 1600
THUMB_SIDE = 400
JPEG_QUALITY = 85
THUMB_QUALITY = 80

# Found in the system's font folders where installed (most Linux servers); optional.
SYSTEM_FONT = "DejaVuSans.ttf"
PATTERNS = ("stripes", "cross", "circles", "dots", "diamonds", "bubbles", "zigzag", "leaves")

# Pillow's own font (Aileron) has no glyphs for ç ğ ı İ ö ş ü: they would come out as empty
# boxes, so with that font placeholder text is folded to plain ASCII capitals before drawing.
_ASCII_UPPER = str.maketrans(
    {"ç": "C", "Ç": "C", "ğ": "G", "Ğ": "G", "ı": "I", "İ": "I", "i": "I", "ö": "O", "Ö": "O"}
    | {"ş": "S", "Ş": "S", "ü": "U", "Ü": "U", "â": "A", "Â": "A", "î": "I", "û": "U"}
)


def _read_limited(source: bytes | bytearray | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        # One byte more than allowed is enough to know the file is too big.
        data = source.read(max_bytes + 1)
    if not data:
        raise ValidationFailed(_l("Dosya boş."), field="image")
    if len(data) > max_bytes:
        raise ValidationFailed(
            _l(
                "Resim çok büyük: en fazla %(mb)d MB olabilir.",
                mb=max(1, max_bytes // (1024 * 1024)),
            ),
            field="image",
        )
    return data


def _identify(data: bytes) -> str | None:
    """The format Pillow reads in ``data`` (header only), or None: for a clearer message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as probe:
                return probe.format
    except Exception:  # anything Pillow cannot even identify is simply "not an image"
        return None


def _open_checked(data: bytes) -> Image.Image:
    """Open and decode the upload, refusing anything that is not a sane JPEG, PNG or WebP.

    Only the three accepted decoders are tried, so an odd format's decoder never sees the data.
    """
    too_large = ValidationFailed(
        _l(
            "Resmin boyutları çok büyük: en fazla %(mp)d megapiksel olabilir.",
            mp=MAX_PIXELS // 10**6,
        ),
        field="image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise too_large
            image.load()
    except UnidentifiedImageError:
        if _identify(data) is not None:
            raise ValidationFailed(
                _l("Yalnızca JPEG, PNG ya da WebP resimleri yüklenebilir."), field="image"
            ) from None
        raise ValidationFailed(_l("Bu dosya bir resim değil."), field="image") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Truncated or corrupt data: Pillow reports it with one of these.
        raise ValidationFailed(
            _l("Resim dosyası bozuk ya da yarım kalmış."), field="image"
        ) from None
    return image


def _normalise(image: Image.Image) -> tuple[Image.Image, str]:
    """Turn the photo upright, drop its metadata, and pick the format to store it in.

    Pictures with transparency stay WebP (JPEG has no alpha); everything else becomes JPEG.
    """
    icc_profile = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    # EXIF (camera, GPS position), XMP and comments go; only the colour profile is kept.
    image.info = {"icc_profile": icc_profile} if icc_profile else {}
    return image, ("WEBP" if has_alpha else "JPEG")


def _safe_subdir(subdir: str) -> PurePosixPath:
    if not subdir or subdir.startswith("/") or "\\" in subdir:
        raise ValueError(f"unsafe upload sub-directory: {subdir!r}")
    path = PurePosixPath(subdir)
    if ".." in path.parts or not path.parts:
        raise ValueError(f"unsafe upload sub-directory: {subdir!r}")
    return path


def _write(image: Image.Image, fmt: str, upload_dir: str | Path, relative: PurePosixPath, quality):
    target = Path(upload_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    options = {"quality": quality}
    if fmt == "JPEG":
        options |= {"optimize": True, "progressive": True}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    image.save(target, fmt, **options)


def _store(image: Image.Image, fmt: str, upload_dir, subdir: str, max_side: int, thumb_side: int):
    folder = _safe_subdir(subdir)
    stem = secrets.token_hex(16)
    ext = ".webp" if fmt == "WEBP" else ".jpg"
    path = folder / f"{stem}{ext}"
    thumb_path = folder / f"{stem}_t{ext}"

    full = image.copy()
    full.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # only ever shrinks
    full.info = image.info
    thumb = ImageOps.fit(image, (thumb_side, thumb_side), Image.Resampling.LANCZOS)
    thumb.info = image.info
    _write(full, fmt, upload_dir, path, JPEG_QUALITY)
    _write(thumb, fmt, upload_dir, thumb_path, THUMB_QUALITY)
    return str(path), str(thumb_path)


def save_upload(
    source: bytes | bytearray | BinaryIO,
    upload_dir: str | Path,
    subdir: str,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_side: int = MAX_SIDE,
    thumb_side: int = THUMB_SIDE,
) -> tuple[str, str]:
    """Check an uploaded picture, store it re-encoded and a square thumbnail beside it.

    ``source`` is the file's bytes or a readable stream (a werkzeug FileStorage works). Returns
    ``(path, thumb_path)`` relative to ``upload_dir``, under ``subdir`` and with random names.
    Raises ValidationFailed, with a message for the user, for anything that is not an image,
    is too big, or is not JPEG, PNG or WebP.
    """
    data = _read_limited(source, max_bytes)
    image = _open_checked(data)
    try:
        image, fmt = _normalise(image)
    except (OSError, SyntaxError, ValueError):  # a broken EXIF block, for one
        raise ValidationFailed(
            _l("Resim dosyası bozuk ya da yarım kalmış."), field="image"
        ) from None
    return _store(image, fmt, upload_dir, subdir, max_side, thumb_side)


def delete_files(upload_dir: str | Path, *paths: str) -> None:
    """Remove stored files (after a failed save, or when an image is deleted)."""
    root = Path(upload_dir).resolve()
    for relative in paths:
        target = (root / relative).resolve()
        if target.is_relative_to(root):
            target.unlink(missing_ok=True)


def _rgb(colour: str | tuple[int, int, int]) -> tuple[int, int, int]:
    if isinstance(colour, tuple):
        return colour
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be #rrggbb, got {colour!r}")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t_percent: int) -> tuple[int, int, int]:
    return tuple((x * (100 - t_percent) + y * t_percent) // 100 for x, y in zip(a, b, strict=True))


def drawable_text(text: str) -> str:
    """Capitals the default font can draw: Turkish letters folded to their plain forms."""
    folded = text.translate(_ASCII_UPPER).upper()
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch in " -&."))


def _turkish_upper(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """DejaVu Sans where the system has it (it has every Turkish letter), else Pillow's own
    font. The flag says whether Turkish letters can be drawn as they are."""
    try:
        return ImageFont.truetype(SYSTEM_FONT, size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def _caps(text: str, turkish_ok: bool) -> str:
    return _turkish_upper(text) if turkish_ok else drawable_text(text)


def _draw_pattern(draw: ImageDraw.ImageDraw, pattern: str, size: int, ink) -> None:
    step = size // 10
    if pattern == "stripes":  # weaving: warp and weft bands
        for i in range(0, size, step):
            draw.rectangle((i, 0, i + step // 4, size), fill=ink)
            draw.rectangle((0, i + step // 2, size, i + step // 2 + step // 8), fill=ink)
    elif pattern == "cross":  # cross-stitch embroidery
        arm = step // 5
        for y in range(step // 2, size, step):
            for x in range(step // 2, size, step):
                draw.line((x - arm, y - arm, x + arm, y + arm), fill=ink, width=max(2, arm // 2))
                draw.line((x - arm, y + arm, x + arm, y - arm), fill=ink, width=max(2, arm // 2))
    elif pattern == "circles":  # a glazed plate's rings
        centre = size // 2
        for r in range(step, size, step):
            draw.ellipse((centre - r, centre - r, centre + r, centre + r), outline=ink, width=6)
    elif pattern == "dots":  # felt balls
        for row, y in enumerate(range(step // 2, size, step)):
            offset = step // 2 if row % 2 else 0
            for x in range(step // 2 - offset, size + step, step):
                r = step // 4
                draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    elif pattern == "diamonds":  # beads and kilim motifs
        half = step // 2
        for y in range(0, size + step, step):
            for x in range(0, size + step, step):
                draw.polygon(
                    ((x, y - half), (x + half, y), (x, y + half), (x - half, y)), outline=ink
                )
    elif pattern == "bubbles":  # soap
        spots = random.Random(size)  # noqa: S311 (a drawing, not a secret)
        for _ in range(40):
            x, y = spots.randrange(size), spots.randrange(size)
            r = step // 6 + spots.randrange(step // 2)
            draw.ellipse((x - r, y - r, x + r, y + r), outline=ink, width=3)
    elif pattern == "zigzag":  # knitted rows
        for y in range(0, size + step, step // 2):
            points = [
                (x, y + (step // 4 if (x // (step // 2)) % 2 else 0))
                for x in range(0, size + step, step // 2)
            ]
            draw.line(points, fill=ink, width=4)
    else:  # "leaves": painted wood
        for y in range(step // 2, size, step * 2):
            for x in range(step // 2, size, step * 2):
                draw.ellipse((x, y, x + step, y + step // 2), fill=ink)
                draw.ellipse((x + step // 2, y + step, x + step, y + step * 2), fill=ink)


def make_placeholder(
    text: str,
    colour: str | tuple[int, int, int],
    upload_dir: str | Path,
    subdir: str,
    *,
    label: str = "",
    pattern: str | None = None,
    size: int = 800,
    thumb_side: int = THUMB_SIDE,
) -> tuple[str, str]:
    """Draw a placeholder product picture: a soft background in ``colour`` with a pattern
    (one per craft), a round badge with ``text`` (initials or a short code) and an optional
    ``label`` beneath. Stored like an upload; returns ``(path, thumb_path)``."""
    base = _rgb(colour)
    background = _mix(base, (255, 255, 255), 55)
    ink = _mix(base, (255, 255, 255), 25)
    dark = _mix(base, (40, 30, 30), 60)
    if pattern not in PATTERNS:
        # The same text always gets the same pattern (crc32, not hash(): that is salted).
        pattern = PATTERNS[zlib.crc32(text.encode()) % len(PATTERNS)]

    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    _draw_pattern(draw, pattern, size, ink)

    radius = size * 3 // 10
    centre = size // 2
    draw.ellipse(
        (centre - radius, centre - radius, centre + radius, centre + radius),
        fill=(255, 253, 248),
        outline=dark,
        width=max(4, size // 100),
    )
    _, turkish_ok = _font(10)
    monogram = _caps(text, turkish_ok).strip()[:4] or "?"
    font, _ = _font(size // (5 if len(monogram) <= 2 else 7))
    draw.text((centre, centre - size // 40), monogram, font=font, fill=dark, anchor="mm")
    caption = _caps(label, turkish_ok).strip()[:18]
    if caption:
        small, _ = _font(size // 20)
        draw.text((centre, centre + radius // 2), caption, font=small, fill=dark, anchor="mm")
    return _store(image, "JPEG", upload_dir, subdir, size, thumb_side)
