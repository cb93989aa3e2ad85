"""The words for the codes a release and a member's dashboard hold say what each code is."""

import re

from redress.metrics import labels

# A word that ends so reads as a thing done: "Unpaid wages paid" beside an open action.
DONE = re.compile(r"\b(?:paid|given|back|done|made|changed|apologised)$", re.I)


def test_a_remedy_type_is_named_as_the_remedy_not_as_done():
    assert labels.REMEDIES["wage_restitution"] == "Payment of unpaid wages"
    assert labels.REMEDIES["reinstatement"] == "Return to the job"
    assert not [word for word in labels.REMEDIES.values() if DONE.search(word)]
