"""CSV imports with any line ending are read; a file that cannot be read is refused whole."""

from tests.intake.test_api import grievances

HEADER = "country,category,narrative,member_reference"


async def post_csv(intake, text: str):
    return await intake.client.post(
        "/v1/grievances/import",
        content=text.encode(),
        headers={**intake.token(), "Content-Type": "text/csv"},
    )


async def test_bare_carriage_returns_and_cr_only_files_are_read(intake):
    cr_only = f"{HEADER}\rKH,wages_and_benefits,Wages late,CR-1\rKH,working_hours,Long days,CR-2\r"
    answer = await post_csv(intake, cr_only)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["accepted"], answer.json()["refused"]) == (2, 0)
    mixed = (
        f"\ufeff{HEADER}\r\n"
        'KH,wages_and_benefits,"Two lines\rin one field",MIX-1\n'
        "KH,working_hours,Bare CR ends this row,MIX-2\r"
        "KH,other,And this one too,MIX-3\r\n"
    )
    answer = await post_csv(intake, mixed)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["accepted"], report["refused"]) == (3, 0), report
    assert await grievances(intake) == 5


async def test_an_unreadable_csv_is_refused_whole_with_the_line(intake):
    before = await intake.events()
    huge = f"{HEADER}\nKH,other,fine,OK-1\nKH,other,{'x' * 140_000},BIG-1\n"
    answer = await post_csv(intake, huge)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:redress:problem:bad-csv"
    assert "row 2" in answer.json()["detail"]
    assert await intake.events() == before


async def test_a_file_not_in_utf8_is_refused_whole_instead_of_its_text_corrupted(intake):
    # A spreadsheet saved as "CSV" by many office suites is in Windows-1252: its accented
    # letters must not reach a narrative as U+FFFD.
    before = await intake.events()
    csv_file = f"{HEADER}\nFR,wages_and_benefits,Salaire impayé depuis mars,LAT-1\n"
    json_lines = '{"narrative": "fine"}\n{"narrative": "Salaire impayé"}\n'
    for kind, body in (
        ("text/csv", csv_file.encode("cp1252")),
        ("application/x-ndjson", json_lines.encode("latin-1")),
    ):
        answer = await intake.client.post(
            "/v1/grievances/import", content=body, headers={**intake.token(), "Content-Type": kind}
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:redress:problem:not-utf-8"
        assert "UTF-8" in answer.json()["detail"] and "line 2" in answer.json()["detail"]
    assert await intake.events() == before
