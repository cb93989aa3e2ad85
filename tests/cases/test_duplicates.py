"""A grievance rejected as a duplicate names the case it duplicates, over HTTP; a name that is
no case of the tenant, or a name given for other grounds, is refused and writes nothing."""

from __future__ import annotations

from tests.cases.test_worker_loop import Worker, detail, officer_post
from tests.events.helpers import wait_until


async def two_cases(platform) -> list[str]:
    worker = Worker(platform.intake)
    await worker.file("bn")
    await worker.file("bn")

    async def both() -> bool:
        answer = await platform.cases.get("/v1/cases", headers=platform.token())
        return len(answer.json()["items"]) == 2

    await wait_until(both)
    answer = await platform.cases.get("/v1/cases", headers=platform.token())
    return sorted(item["case_id"] for item in answer.json()["items"])


async def test_a_duplicate_names_the_case_it_duplicates(platform):
    first, second = await two_cases(platform)
    before = await platform.log_types(second)
    for body, kind in (
        ({"grounds": "duplicate", "duplicate_of": "case-00000000-0000-0000-0000-000000000000"},
         "unknown-duplicate"),
        ({"grounds": "out_of_scope", "duplicate_of": first}, "not-a-duplicate"),
        ({"grounds": "duplicate", "duplicate_of": second}, "duplicate-of-itself"),
        ({"grounds": "duplicate", "explanation": "Filed twice"}, "duplicate-names-no-case"),
    ):  # fmt: skip
        refused = await officer_post(platform, second, "/reject", body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith(kind)
    assert await platform.log_types(second) == before
    rejected = await officer_post(
        platform, second, "/reject",
        {"grounds": "duplicate", "explanation": "Filed twice", "duplicate_of": first},
    )  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    [event] = (await platform.system.store.read_stream(second))[-1:]
    assert (event.data.grounds, event.data.duplicate_of) == ("duplicate", first)

    async def shown() -> bool:
        return (await detail(platform, second)).get("duplicate_of") == first

    await wait_until(shown)
    assert (await detail(platform, second))["status"] == "rejected"
