"""Texts written to the learner reach the partner in the third person; quoted speech stays as said."""

import pytest

from scenarios.briefing import about_the_learner, addresses_the_learner


@pytest.mark.parametrize(
    ("told", "partner"),
    [
        (
            "あなたはチームリーダーとして、進捗を確認します。予定より1週間遅れています。話し合ってください。",
            "学習者はチームリーダーとして、進捗を確認します。予定より1週間遅れています。",
        ),
        ("幹事: 「あなたも来るよね？」と言う。", "幹事: 「あなたも来るよね？」と言う。"),
        (
            "A meeting in your reception room. You buy a lot from them. Please be polite.",
            "A meeting in the learner's reception room. They buy a lot from them.",
        ),
        ("She thinks it through calmly with you.", "She thinks it through calmly with them."),
        ('He asks "Do you know?" and you answer.', 'He asks "Do you know?" and the learner answers.'),
        (
            "Re-reading the order you sent, you see the mistake.",
            "Re-reading the order the learner sent, they see the mistake.",
        ),
        ("You have just realised it is late.", "The learner has just realised it is late."),
    ],
)
def test_it_puts_the_learner_in_the_third_person(told: str, partner: str):
    assert about_the_learner(told) == partner


def test_it_tells_learner_addressed_text_from_quoted_speech():
    assert addresses_the_learner("あなたは課長です。")
    assert addresses_the_learner("Your manager is busy.")
    assert not addresses_the_learner("部長は「あなたの意見は？」と聞く。")
    assert not addresses_the_learner('He says "See you".')
