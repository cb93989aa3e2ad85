"""A receipt's secret is the same number in any script's digits: a worker reading it off a
phone set to Bengali or Arabic, or an operator typing what they hear, opens the report."""

from __future__ import annotations

from redress.intake.receipts import new_receipt, verify_secret

BENGALI = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_a_secret_in_bengali_or_arabic_digits_opens_the_report_and_no_other_does():
    receipt = new_receipt()
    spaced = " ".join(receipt.secret[i : i + 4] for i in range(0, len(receipt.secret), 4))
    for written in (receipt.secret, spaced, receipt.secret.translate(BENGALI),
                    spaced.translate(ARABIC)):  # fmt: skip
        assert verify_secret(receipt.hash, written), written
    wrong = ("1" if receipt.secret[0] != "1" else "2") + receipt.secret[1:]
    assert not verify_secret(receipt.hash, wrong.translate(BENGALI))
    assert not verify_secret(receipt.hash, "²" + receipt.secret[1:])  # not a digit to type
