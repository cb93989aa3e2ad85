"""Removing what a file says about its maker before it is sealed.

A phone's photo carries EXIF (GPS position, the phone's make, model and serial, the time),
XMP and comments; a recording carries tags. A worker sending evidence rarely knows, and
the position of a photo taken in a dormitory is where the worker sleeps. So images are
re-encoded from their pixels alone (Pillow), upright as the phone meant them, and audio
tags are deleted (mutagen), unless the worker chooses to keep the original as it was.
"""

from __future__ import annotations

import io
import warnings

import mutagen
from PIL import Image, ImageOps, ImageSequence

from redress.kit.errors import Problem

# A phone photo has some 50 million pixels at most; beyond that is a decompression bomb.
Image.MAX_IMAGE_PIXELS = 80_000_000
_IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
_TAGGED = {"audio/mpeg", "audio/ogg", "audio/mp4", "audio/x-m4a", "audio/x-wav", "video/mp4"}
# Pillow cannot write HEIC: its metadata cannot be removed here.
_UNCLEANABLE = {"image/heic"}
# What animation needs, and nothing that describes the maker.
_FRAME_INFO = ("duration", "loop", "transparency", "background", "disposal")


def without_metadata(data: bytes, content_type: str) -> bytes:
    """The file less its metadata; a format this cannot clean is refused (415)."""
    if content_type in _IMAGES:
        return _image(data, _IMAGES[content_type])
    if content_type in _TAGGED:
        return _untagged(data)
    if content_type in _UNCLEANABLE:
        raise Problem(
            415,
            "metadata-not-removable",
            "the location and camera details of this photo format cannot be removed: send it "
            "as JPEG, or choose to keep the original",
        )
    return data


def _image(data: bytes, fmt: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return _reencoded(image, fmt)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise Problem(415, "file-type", "this image cannot be read") from None


def _reencoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    icc = image.info.get("icc_profile")  # colours, not the maker: kept
    if getattr(image, "is_animated", False):
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        for frame in frames:
            frame.info = {k: v for k, v in frame.info.items() if k in _FRAME_INFO}
        first, *rest = frames
        first.save(out, format=fmt, save_all=True, append_images=rest)
        return out.getvalue()
    upright = ImageOps.exif_transpose(image)
    upright.info = {}
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        options["quality"] = 90
    upright.save(out, format=fmt, **options)
    return out.getvalue()


def _untagged(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    try:
        audio = mutagen.File(buffer)
        if audio is not None and audio.tags is not None:
            buffer.seek(0)
            audio.delete(buffer)
    except mutagen.MutagenError:
        raise Problem(415, "file-type", "this recording cannot be read") from None
    return buffer.getvalue()
