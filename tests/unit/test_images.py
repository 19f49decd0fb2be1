"""services.images: uploads are checked, turned upright, stripped of EXIF, shrunk and given a
square thumbnail; anything else gets a clear Turkish message. Placeholders are real pictures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from werkzeug.datastructures import FileStorage

from coopshop.services.core import images
from coopshop.services.core.errors import ValidationFailed

ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def _photo(width=300, height=200, fmt="JPEG", orientation=None, mode="RGB") -> bytes:
    """A picture whose left half is red and right half blue, so rotation can be seen."""
    image = Image.new(mode, (width, height), "blue")
    image.paste("red", (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[MAKE] = "Canon"
    exif[GPS_IFD] = {2: (39.0, 55.0, 0.0)}  # latitude: where the photo was taken
    if orientation:
        exif[ORIENTATION] = orientation
    return _encode(image, fmt, exif=exif) if fmt != "PNG" else _encode(image, fmt)


def _open(upload_dir: Path, relative: str) -> Image.Image:
    image = Image.open(upload_dir / relative)
    image.load()
    return image


def test_jpeg_is_turned_upright_stripped_and_thumbnailed(tmp_path):
    # Orientation 6: the camera was turned; the viewer must rotate 90° clockwise.
    path, thumb = images.save_upload(_photo(orientation=6), tmp_path, "products/7")

    assert path.startswith("products/7/") and path.endswith(".jpg")
    assert thumb.startswith("products/7/") and thumb.endswith("_t.jpg")
    stored = _open(tmp_path, path)
    assert stored.format == "JPEG"
    assert stored.size == (200, 300)  # upright: width and height swapped
    assert stored.getpixel((100, 10))[0] > 200  # the red half is now on top
    assert stored.getpixel((100, 290))[2] > 200  # and the blue half below
    assert dict(stored.getexif()) == {}  # no camera, no GPS, no orientation left
    assert "exif" not in stored.info and "xmp" not in stored.info
    assert _open(tmp_path, thumb).size == (images.THUMB_SIDE, images.THUMB_SIDE)


def test_large_picture_is_shrunk_to_the_maximum_side(tmp_path):
    path, thumb = images.save_upload(_photo(3200, 2000), tmp_path, "p")
    assert _open(tmp_path, path).size == (1600, 1000)
    assert _open(tmp_path, thumb).size == (400, 400)


def test_small_picture_is_not_enlarged(tmp_path):
    path, _ = images.save_upload(_photo(120, 80), tmp_path, "p")
    assert _open(tmp_path, path).size == (120, 80)


def test_names_are_random(tmp_path):
    data = _photo()
    first = images.save_upload(data, tmp_path, "p")
    second = images.save_upload(data, tmp_path, "p")
    assert first[0] != second[0] and first[1] != second[1]
    assert len(list((tmp_path / "p").iterdir())) == 4


def test_png_without_transparency_becomes_jpeg(tmp_path):
    path, _ = images.save_upload(_photo(fmt="PNG"), tmp_path, "p")
    assert _open(tmp_path, path).format == "JPEG"


def test_transparent_png_stays_transparent_as_webp(tmp_path):
    image = Image.new("RGBA", (100, 100), (255, 0, 0, 0))
    path, thumb = images.save_upload(_encode(image, "PNG"), tmp_path, "p")
    stored = _open(tmp_path, path)
    assert path.endswith(".webp") and thumb.endswith("_t.webp")
    assert stored.format == "WEBP" and stored.mode == "RGBA"
    assert stored.getpixel((50, 50))[3] == 0


def test_webp_is_accepted(tmp_path):
    path, _ = images.save_upload(_photo(fmt="WEBP", orientation=3), tmp_path, "p")
    stored = _open(tmp_path, path)
    assert stored.size == (300, 200)
    assert stored.getpixel((10, 100))[2] > 200  # rotated 180°: blue now on the left


@pytest.mark.parametrize("wrap", [io.BytesIO, lambda b: FileStorage(io.BytesIO(b), "foto.jpg")])
def test_streams_and_uploaded_files_are_read(tmp_path, wrap):
    path, _ = images.save_upload(wrap(_photo()), tmp_path, "p")
    assert (tmp_path / path).is_file()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a picture", "Bu dosya bir resim değil."),
        (b"", "Dosya boş."),
        (
            _encode(Image.new("RGB", (10, 10)), "GIF"),
            "Yalnızca JPEG, PNG ya da WebP resimleri yüklenebilir.",
        ),
        (
            _encode(Image.new("RGB", (10, 10)), "BMP"),
            "Yalnızca JPEG, PNG ya da WebP resimleri yüklenebilir.",
        ),
        (_photo(1000, 1000)[:2000], "Resim dosyası bozuk ya da yarım kalmış."),
    ],
    ids=["pdf", "empty", "gif", "bmp", "truncated"],
)
def test_bad_files_are_refused_with_a_message(tmp_path, data, message):
    with pytest.raises(ValidationFailed) as caught:
        images.save_upload(data, tmp_path, "p")
    assert str(caught.value.message) == message
    assert caught.value.details["field"] == "image"
    assert not (tmp_path / "p").exists()  # nothing written


def test_oversized_file_is_refused_before_decoding(tmp_path):
    stream = io.BytesIO(b"\xff\xd8" + bytes(3 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as caught:
        images.save_upload(stream, tmp_path, "p", max_bytes=2 * 1024 * 1024)
    assert str(caught.value.message) == "Resim çok büyük: en fazla 2 MB olabilir."
    assert stream.tell() == 2 * 1024 * 1024 + 1  # read no further than needed to know


def test_too_many_pixels_is_refused(tmp_path):
    # 10,000 × 10,000 one-bit pixels compress to a tiny PNG: a decompression bomb.
    bomb = _encode(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(bomb) < 100_000
    with pytest.raises(ValidationFailed) as caught:
        images.save_upload(bomb, tmp_path, "p")
    assert "megapiksel" in str(caught.value.message)


@pytest.mark.parametrize("subdir", ["", "/", "../etc", "a/../../b", "/abs/path", "a\\..\\b"])
def test_unsafe_subdirectories_are_refused(tmp_path, subdir):
    with pytest.raises(ValueError):
        images.save_upload(_photo(), tmp_path, subdir)


def test_delete_files_stays_inside_the_upload_dir(tmp_path):
    path, thumb = images.save_upload(_photo(), tmp_path / "uploads", "p")
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    images.delete_files(tmp_path / "uploads", path, thumb, "../keep.txt")
    assert not (tmp_path / "uploads" / path).exists()
    assert outside.exists()


def test_placeholder_is_a_square_jpeg_with_thumbnail(tmp_path):
    path, thumb = images.make_placeholder(
        "DK", "#b5651d", tmp_path, "demo", label="Dokuma", pattern="stripes"
    )
    stored = _open(tmp_path, path)
    assert stored.format == "JPEG" and stored.size == (800, 800)
    assert _open(tmp_path, thumb).size == (400, 400)
    # A soft background (lighter than the colour given), not a blank square.
    assert len(stored.getcolors(maxcolors=100_000) or []) > 10
    assert min(ImageStat.Stat(stored).mean) > 150  # soft, light colours


@pytest.mark.parametrize("pattern", [*images.PATTERNS, None])
def test_every_pattern_draws(tmp_path, pattern):
    path, _ = images.make_placeholder(
        "Şal", (120, 60, 160), tmp_path, "demo", pattern=pattern, size=200
    )
    assert _open(tmp_path, path).size == (200, 200)


def test_placeholder_without_a_unicode_font_folds_turkish_letters(tmp_path, monkeypatch):
    drawn = []

    monkeypatch.setattr(images, "SYSTEM_FONT", "no-such-font.ttf")
    original = images.ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(images.ImageDraw.ImageDraw, "text", spy)
    images.make_placeholder("ığ", "#336699", tmp_path, "demo", label="Nakış İğne Oyası")
    assert drawn == ["IG", "NAKIS IGNE OYASI"]


def test_drawable_text_folds_turkish_to_ascii_capitals():
    assert images.drawable_text("Çini İşi ğüşıöç") == "CINI ISI GUSIOC"
    assert images.drawable_text("Örgü · ₺85") == "ORGU  85"
