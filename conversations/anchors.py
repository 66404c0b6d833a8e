"""What roughly 20, 50 and 80 look like on each of the six axes, with a short example line: the
behavioural anchors the judge is given with every feedback task (``conversations.judging``).

A scenario's rubric criteria carry anchors of the same three levels (``CRITERION_LEVELS``)."""

# A rubric criterion's anchors: the key that says what the level looks like (``<key>_example`` holds
# its example line) and roughly the score it stands for.
CRITERION_LEVELS: tuple[tuple[str, int], ...] = (("poor", 20), ("fair", 50), ("good", 80))

# axis -> language -> ((score, what it looks like, example line), ...)
ANCHORS: dict[str, dict[str, tuple[tuple[int, str, str], ...]]] = {
    "empathy": {
        "ja": (
            (20, "相手の気持ちや事情に触れず、自分の都合だけを話す", "それ、私には関係ないので。"),
            (50, "定型の気づかいはあるが、相手の具体的な状況には触れない", "お疲れさまです。資料の件ですが。"),
            (80, "相手の状況や気持ちを具体的に言葉にしてから本題に入る", "月末でお忙しいところ、すみません。"),
        ),
        "en": (
            (20, "Ignores the other person's feelings and circumstances", "That's not my problem."),
            (50, "Polite formulas, but nothing about the other person's actual situation", "Hi, about the report."),
            (
                80,
                "Names the other person's situation or feelings before the point",
                "I know month-end is hectic for you.",
            ),
        ),
    },
    "clarity": {
        "ja": (
            (20, "要点がなく、何を伝えたいのか分からない", "えっと、なんか色々あって……。"),
            (50, "要点はあるが後回しで、日付や数字がない", "データが来なくて、ちょっと遅れそうで……。"),
            (
                80,
                "最初の一文で結論を伝え、日付や数字で具体的に示す",
                "報告書は月曜の午前に遅れます。原因は支店データの未着です。",
            ),
        ),
        "en": (
            (20, "No discernible point", "Well, there's a lot going on, so..."),
            (
                50,
                "The point comes late and without dates or figures",
                "The data didn't come, so it might be a bit late.",
            ),
            (
                80,
                "Leads with the conclusion and gives dates or figures",
                "The report will be late: Monday 10 am. Two branches' data is missing.",
            ),
        ),
    },
    "active_listening": {
        "ja": (
            (20, "相手の発言や質問を無視して自分の話を続ける", "とにかく、こちらの話を聞いてください。"),
            (50, "相づちはあるが、相手の言葉を受けた質問や確認がない", "はい、はい。それで、次の件ですが。"),
            (
                80,
                "相手の言葉を受け止め、確認や質問で理解を深める",
                "期限が一番気になるということですね。何日なら間に合いますか。",
            ),
        ),
        "en": (
            (20, "Ignores what the other person said or asked", "Anyway, let me finish."),
            (50, "Acknowledges, but asks nothing that builds on the other person's words", "Right, right. Next thing."),
            (
                80,
                "Reflects the other person's words and asks a question that builds on them",
                "So the deadline worries you most. Which date would work?",
            ),
        ),
    },
    "adaptability": {
        "ja": (
            (20, "相手の反応にかかわらず同じ主張を繰り返す", "だから、できないものはできません。"),
            (50, "相手に合わせようとするが、代案や条件を出せない", "うーん、それは困りましたね……。"),
            (80, "相手の反応を受けて、言い方や提案を変える", "では、半分を金曜に先にお渡しするのはいかがでしょうか。"),
        ),
        "en": (
            (20, "Repeats the same position whatever the other person says", "I said I can't, so I can't."),
            (50, "Tries to accommodate but offers no alternative or condition", "Hmm, that is awkward..."),
            (
                80,
                "Changes approach in response, with an alternative",
                "Then could I send half on Friday and the rest on Monday?",
            ),
        ),
    },
    "positivity": {
        "ja": (
            (20, "否定や不満で終わり、先が見えない", "もう無理です。どうしようもありません。"),
            (50, "中立的で、前に進める一言がない", "そうですか。わかりました。"),
            (80, "課題を認めつつ、次の一手や協力を前向きに示す", "厳しいですが、明日までに対策案をまとめます。"),
        ),
        "en": (
            (20, "Ends on refusal or complaint, with no way forward", "It's hopeless, nothing can be done."),
            (50, "Neutral; nothing moves things forward", "OK. I see."),
            (
                80,
                "Acknowledges the problem and offers a constructive next step",
                "It's tight, but I'll have a plan by tomorrow.",
            ),
        ),
    },
    "professionalism": {
        "ja": (
            (20, "相手を責める・見下す、立場に合わない乱暴な言い方", "そっちのミスでしょ。ちゃんとしてよ。"),
            (50, "丁寧語だが、言い切りや責める表現が混じる", "いつも遅いので困ります。"),
            (
                80,
                "立場に合った敬語とクッション言葉で、事実と要望を分けて伝える",
                "恐れ入りますが、明日までにご確認いただけますか。",
            ),
        ),
        "en": (
            (
                20,
                "Blames or belittles; a register far too casual for the relationship",
                "That's your mistake. Get it together.",
            ),
            (50, "Courteous, but with sweeping or blaming words", "You're always late with this."),
            (
                80,
                "Register suited to the relationship; separates facts from requests",
                "Sorry to push, but could you confirm by tomorrow?",
            ),
        ),
    },
}


def anchors_text(language: str) -> str:
    """The anchors as the judge reads them, one line per level."""
    lang = "en" if language == "en" else "ja"
    lines = []
    for axis, levels in ANCHORS.items():
        lines.append(f"{axis}:")
        for score, looks, example in levels[lang]:
            example_text = f"「{example}」" if lang == "ja" else f'"{example}"'
            lines.append(f"  {score}: {looks} {example_text}")
    return "\n".join(lines)
