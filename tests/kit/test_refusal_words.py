"""A refusal for want of a role says, in words, what was refused and which roles allow it."""

from __future__ import annotations

from redress.kit.auth import Principal
from redress.kit.authz import DOING, PERMISSIONS, Action
from redress.kit.deps import authorise
from redress.kit.errors import Problem


def test_every_action_has_words_for_its_refusal() -> None:
    assert set(DOING) == set(Action) == set(PERMISSIONS)


def test_a_refusal_names_the_roles_held_the_action_in_words_and_the_roles_that_allow_it() -> None:
    admin = Principal(sub="a-1", tenant="t1", roles=frozenset({"admin", "made-up"}))
    try:
        authorise(admin, Action.referral_manage)
    except Problem as exc:
        assert exc.status == 403 and exc.kind == "forbidden"
        assert exc.detail == (
            "your roles (admin) do not allow you to manage referrals (referral.manage); "
            "that needs the role of officer or supervisor"
        )
    else:
        raise AssertionError("an admin may not manage referrals")
