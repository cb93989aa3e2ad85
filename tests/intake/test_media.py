"""Photos and recordings lose their metadata (GPS position, device, tags) before sealing,
unless the worker chooses to keep the original."""

import io
import json
import wave

from mutagen.id3 import TIT2
from mutagen.wave import WAVE
from PIL import ExifTags, Image

from redress.events.catalogue.grievance import Sealed
from tests.intake.conftest import TENANT
from tests.intake.test_web import fresh_form, report_fields

DEVICE = "CanaryPhone X9 serial 4411"


def photo_with_gps() -> bytes:
    """A JPEG as a phone writes it: GPS position, device, and turned a quarter (Orientation 6)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = DEVICE
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (23.0, 48.0, 36.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (90.0, 24.0, 12.0),
    }  # fmt: skip
    out = io.BytesIO()
    Image.new("RGB", (60, 30), (200, 30, 30)).save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def recording_with_tags() -> bytes:
    plain = io.BytesIO()
    with wave.open(plain, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    tagged = io.BytesIO(plain.getvalue())
    audio = WAVE(tagged)
    audio.add_tags()
    audio.tags.add(TIT2(encoding=3, text=DEVICE))
    tagged.seek(0)
    audio.save(tagged)
    return tagged.getvalue()


async def attachments(intake) -> list[bytes]:
    """The attachments as stored, unsealed with the grievance's key."""
    keyring = intake.app.state.runtime.extras["intake"].keyring
    async with intake.system.pool.acquire() as conn:
        rows = await conn.fetch("SELECT sealed FROM keyring.sealed_files ORDER BY content_type")
        return [
            await keyring.open(conn, Sealed.model_construct(**json.loads(r["sealed"])))
            for r in rows
        ]


async def send(intake, files, **fields):
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens, **fields), files=files
    )
    assert page.status_code == 303, page.text
    return page


async def test_photo_loses_gps_and_device_but_stays_upright(intake):
    original, recording = photo_with_gps(), recording_with_tags()
    assert DEVICE.encode() in original and DEVICE.encode() in recording
    await send(intake, [("files", ("IMG_0001.jpg", original, "image/jpeg")),
                        ("files", ("note.wav", recording, "audio/wav"))])  # fmt: skip
    (audio, photo) = await attachments(intake)
    assert DEVICE.encode() not in photo and DEVICE.encode() not in audio
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert image.size == (30, 60)  # turned as the phone meant it
    with wave.open(io.BytesIO(audio)) as w:
        assert w.getnframes() == 800  # the sound itself is kept


async def test_the_worker_may_keep_the_original(intake):
    original = photo_with_gps()
    await send(intake, [("files", ("IMG_0001.jpg", original, "image/jpeg"))],
               keep_original_metadata="yes")  # fmt: skip
    assert await attachments(intake) == [original]


async def test_the_form_offers_the_choice_in_the_workers_language(intake):
    page = await intake.client.get(f"/t/{TENANT}/report?lang=fr")
    assert 'name="keep_original_metadata"' in page.text
    assert "Conserver les informations cachées" in page.text
