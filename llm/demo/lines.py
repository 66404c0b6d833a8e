"""Everything the offline partner can say: whole sentences, each grammatical on its own, grouped by
what they answer and by who says them (see ``partner``). Keys: ``<move>`` for everyone or
``<move>.<side>`` for one side ("lead": a manager or a customer the learner answers to,
"follow": a junior or someone who came for help, "peer": a colleague), each with a polite and a
casual Japanese version and an English one. ``{date}`` is a date or time the learner gave.
"""

from __future__ import annotations

Pool = dict[str, tuple[str, ...]]  # register ("polite", "casual", "en") -> sentences

LINES: dict[str, Pool] = {
    # --- reactions to the content of the learner's line --------------------------------------
    "report.lead": {
        "polite": (
            "そうですか、状況はわかりました。",
            "早めに教えてもらえて助かります。",
            "なるほど、それは困りましたね。",
            "わかりました。まずは事実を整理しましょう。",
        ),
        "casual": (
            "そっか、状況はわかった。",
            "早めに言ってくれて助かるよ。",
            "なるほど、それは困ったね。",
            "わかった。まずは事実を整理しよう。",
        ),
        "en": (
            "I see. Thanks for telling me.",
            "Thanks for flagging it early.",
            "Right, that is a problem.",
            "OK. Let's get the facts straight first.",
        ),
    },
    "report.customer": {
        "polite": (
            "そうですか。こちらは本当に困っているんです。",
            "事情はわかりましたが、納得したわけではありません。",
            "正直に話していただいたのは助かります。",
            "それでは、こちらの予定にも影響が出てしまいます。",
        ),
        "casual": (
            "そっちの事情はいいんだよ。",
            "こっちは本当に困ってるんだ。",
            "言い訳はいらない。",
            "それで済むと思ってるのか。",
        ),
        "en": (
            "I see. We really are in a difficult spot here.",
            "I understand the situation, but I'm not satisfied.",
            "I appreciate you being honest about it.",
            "That affects our own schedule as well.",
        ),
    },
    "apology.lead": {
        "polite": (
            "謝ってくれたのはわかりました。大事なのはこの後です。",
            "起きたことは仕方がないので、次を考えましょう。",
            "謝罪はもう十分です。",
            "責めるつもりはありません。",
        ),
        "casual": (
            "謝ってくれたのはわかった。大事なのはこの後だね。",
            "起きたことは仕方ないから、次を考えよう。",
            "謝るのはもう十分だよ。",
            "責めるつもりはないよ。",
        ),
        "en": (
            "I hear the apology. What matters is what happens next.",
            "What's done is done; let's think about the next step.",
            "That's enough apologising.",
            "I'm not here to blame you.",
        ),
    },
    "apology.customer": {
        "polite": (
            "謝罪の言葉はわかりました。",
            "お詫びよりも、具体的な対応を知りたいです。",
            "謝っていただいても、状況は変わりませんよね。",
            "丁寧に謝っていただいたのはわかりました。",
        ),
        "casual": (
            "謝れば済むと思ってるのか。",
            "謝罪はもういい。",
            "口だけの謝罪はいらないんだよ。",
            "謝るくらいなら最初からちゃんとやれよ。",
        ),
        "en": (
            "I hear your apology.",
            "I'd rather know what you will actually do.",
            "An apology doesn't change the situation.",
            "Thank you for apologising properly.",
        ),
    },
    "apology": {
        "polite": ("いえ、大丈夫です。", "気にしないでください。", "こちらこそ、すみません。", "大丈夫ですよ。"),
        "casual": ("大丈夫だよ。", "気にしないで。", "こっちこそごめんね。", "いいよ、いいよ。"),
        "en": ("That's all right.", "Don't worry about it.", "No harm done.", "It's fine, really."),
    },
    "request.yes": {
        "polite": ("わかりました、それで構いません。", "いいですよ。そうしましょう。", "はい、お引き受けします。"),
        "casual": ("いいよ、そうしよう。", "わかった、それでいいよ。", "うん、引き受けるよ。"),
        "en": ("All right, that works for me.", "Sure, let's do that.", "Yes, I can take that on."),
    },
    "request.condition": {
        "polite": (
            "条件によります。今の仕事に影響が出ないなら構いません。",
            "考えてもいいですが、理由をもう少し聞かせてください。",
            "一部ならお受けできます。全部は難しいです。",
        ),
        "casual": (
            "条件次第かな。今の仕事に影響が出ないならいいよ。",
            "考えてもいいけど、理由をもう少し聞かせて。",
            "一部ならいいよ。全部は難しいな。",
        ),
        "en": (
            "It depends. If it doesn't affect my current work, fine.",
            "I might, but tell me a bit more about why.",
            "I can take part of it, not all of it.",
        ),
    },
    "request.no": {
        "polite": ("申し訳ないですが、それはすぐにはお受けできません。", "今の状況では、正直難しいです。"),
        "casual": ("悪いけど、それはすぐには受けられないな。", "今の状況だと、正直厳しいよ。"),
        "en": ("Sorry, I can't agree to that right away.", "Honestly, that's difficult as things stand."),
    },
    "request.follow": {
        "polite": (
            "はい、わかりました。やってみます。",
            "承知しました。",
            "はい、やらせてください。",
            "わかりました。できるだけ早く取りかかります。",
        ),
        "casual": ("うん、わかった。やってみる。", "了解。", "オッケー、やってみるよ。", "わかった、すぐやるね。"),
        "en": ("Yes, understood. I'll give it a try.", "Understood.", "Sure, let me do it.", "I'll get on it."),
    },
    "refusal.lead": {
        "polite": ("そうですか、難しいんですね。", "うーん、困りましたね。", "事情はわかりました。"),
        "casual": ("そっか、難しいか。", "うーん、困ったな。", "事情はわかったよ。"),
        "en": ("I see, so it's difficult.", "Hmm, that's awkward.", "I understand your situation."),
    },
    "consult.lead": {
        "polite": (
            "相談してくれてよかったです。",
            "なるほど、判断に迷うところですね。",
            "わかりました、一緒に整理しましょう。",
        ),
        "casual": ("相談してくれてよかったよ。", "なるほど、迷うところだね。", "わかった、一緒に整理しよう。"),
        "en": ("I'm glad you came to me.", "I see, that's a hard call.", "All right, let's sort it out together."),
    },
    "answer.lead": {
        "polite": (
            "私の考えでは、まず優先順位をはっきりさせるのがいいと思います。",
            "決めるのはあなたですが、私は早めの共有を勧めます。",
            "それについては、こちらで確認してから返事をします。",
            "正直に言うと、まだ決めていません。",
        ),
        "casual": (
            "まずは優先順位をはっきりさせるのがいいと思うよ。",
            "決めるのは任せるけど、早めに共有したほうがいいね。",
            "それはこっちで確認してから返事するよ。",
            "正直に言うと、まだ決めてないんだ。",
        ),
        "en": (
            "I'd start by getting the priorities clear.",
            "It's your call, but I'd share it early.",
            "Let me check on that and get back to you.",
            "To be honest, I haven't decided yet.",
        ),
    },
    "answer.when": {
        "polite": ("できれば今週中にお願いしたいです。", "遅くとも金曜日までには必要です。"),
        "casual": ("できれば今週中にお願いしたいな。", "遅くとも金曜日までには欲しいね。"),
        "en": ("Ideally by the end of this week.", "I need it by Friday at the latest."),
    },
    "answer.follow": {
        "polite": (
            "はい、なんとかやっています。",
            "正直に言うと、少し迷っていることがあります。",
            "まだ慣れないことも多いですが、頑張っています。",
            "うまく言えないんですが、少し不安です。",
            "実は、前から気になっていたことがあります。",
        ),
        "casual": (
            "うん、なんとかやってるよ。",
            "正直に言うと、ちょっと迷ってることがあるんだ。",
            "まだ慣れないことも多いけど、頑張ってるよ。",
            "うまく言えないけど、少し不安なんだ。",
            "実は、前から気になってたことがあるんだ。",
        ),
        "en": (
            "Yes, I'm managing.",
            "To be honest, there's something I'm unsure about.",
            "There's still a lot I'm getting used to, but I'm trying.",
            "I can't quite put it into words, but I'm a little worried.",
            "Actually, something has been on my mind for a while.",
        ),
    },
    "answer.consultee": {
        "polite": (
            "はい……。大したことじゃないかもしれないんですけど。",
            "実は、しばらく前から続いていることがあるんです。",
            "話していいのか、まだ迷っています。",
            "いくつか、やり取りの記録は残してあります。",
            "周りには、まだ誰にも話していません。",
        ),
        "casual": (
            "うん……大したことじゃないかもしれないんだけど。",
            "実は、しばらく前から続いてることがあって……。",
            "話していいのか、まだ迷ってるんだ。",
            "いくつか、やり取りの記録は残してあるよ。",
            "周りには、まだ誰にも話してないんだ。",
        ),
        "en": (
            "Well… it may not be a big deal.",
            "Actually, it has been going on for a while.",
            "I'm still not sure I should be talking about it.",
            "I have kept some records of what was said.",
            "I haven't told anyone else yet.",
        ),
    },
    "guided.follow": {
        "polite": (
            "すみません、気をつけます。",
            "はい……同じことを繰り返してしまって、申し訳ありません。",
            "どこを直せばいいか、少しわかってきました。",
            "確認の手順を見直してみます。",
        ),
        "casual": (
            "ごめん、気をつける。",
            "うん……同じことを繰り返しちゃって、ごめん。",
            "どこを直せばいいか、少しわかってきた。",
            "確認の手順を見直してみるよ。",
        ),
        "en": (
            "Sorry, I'll be more careful.",
            "Yes… I'm sorry I keep making the same mistake.",
            "I'm starting to see what to fix.",
            "I'll go back over how I check things.",
        ),
    },
    "thanks": {
        "polite": ("どういたしまして。", "いえいえ、こちらこそ助かります。", "お役に立ててよかったです。"),
        "casual": ("どういたしまして。", "いやいや、こっちこそ助かるよ。", "役に立ててよかった。"),
        "en": ("You're welcome.", "Not at all, it helps me too.", "Glad I could help."),
    },
    "thanks.follow": {
        "polite": (
            "ありがとうございます。そう言っていただけると嬉しいです。",
            "ありがとうございます。励みになります。",
        ),
        "casual": ("ありがとう。そう言ってもらえると嬉しい。", "ありがとう、励みになるよ。"),
        "en": ("Thank you, that means a lot.", "Thanks, that really encourages me."),
    },
    "empathy.follow": {
        "polite": ("ありがとうございます。少し楽になりました。", "そう言ってもらえると、話しやすいです。"),
        "casual": ("ありがとう。少し楽になった。", "そう言ってもらえると、話しやすいよ。"),
        "en": ("Thank you. I feel a little better.", "That makes it easier to talk."),
    },
    "promise": {
        "polite": ("{date}ですね、わかりました。", "それなら安心です。", "その計画でいきましょう。"),
        "casual": ("{date}だね、わかった。", "それなら安心だね。", "その計画でいこう。"),
        "en": ("Noted: {date}.", "That sounds workable.", "Let's go with that plan."),
    },
    "attention": {
        "polite": ("はい、どうぞ。", "ええ、大丈夫ですよ。", "はい、何でしょう。"),
        "casual": ("うん、どうしたの？", "いいよ、どうした？", "うん、何？"),
        "en": ("Sure, go ahead.", "Yes, of course.", "Yes, what is it?"),
    },
    "attention.customer": {
        "polite": ("はい、何でしょうか。", "どうぞ、聞きます。"),
        "casual": ("何だよ。", "早く言えよ。"),
        "en": ("Yes, what is it?", "Go on, I'm listening."),
    },
    "proposal.follow": {
        "polite": ("はい、ぜひお願いします。", "はい、一緒に見ていただけると心強いです。"),
        "casual": ("うん、ぜひお願い。", "うん、一緒に見てもらえると心強いよ。"),
        "en": ("Yes, I'd like that.", "Yes, it would help to go through it together."),
    },
    "answer.smalltalk": {
        "polite": ("そうですね、わりと好きです。", "最近はあまり時間がなくて。", "ええ、よく行きますよ。"),
        "casual": ("うん、わりと好きだよ。", "最近はあまり時間がなくてさ。", "うん、よく行くよ。"),
        "en": ("Yes, I quite like it.", "I haven't had much time lately.", "Yes, I go quite often."),
    },
    "empathy.customer": {
        "polite": ("わかっていただけるなら、早く何とかしてください。", "気持ちをわかってもらえるのは助かります。"),
        "casual": ("わかってるなら、早く何とかしろよ。", "口だけならいくらでも言えるんだよ。"),
        "en": ("If you understand, then please sort it out quickly.", "It helps that you understand."),
    },
    "hardship": {
        "polite": ("それは大変でしたね。", "忙しい日が続くと疲れますよね。", "無理しないでくださいね。"),
        "casual": ("それは大変だったね。", "忙しいと疲れがたまるよね。", "無理しないでね。"),
        "en": ("That sounds tough.", "Busy stretches really wear you out.", "Don't overdo it."),
    },
    "care": {
        "polite": ("ありがとうございます。そちらも気をつけてくださいね。", "お気づかい、ありがとうございます。"),
        "casual": ("ありがとう。そっちもね。", "気づかってくれてありがとう。"),
        "en": ("Thanks, you too.", "Thanks for thinking of me."),
    },
    "answer.peer": {
        "polite": (
            "私は相変わらずバタバタしています。",
            "こちらはまあまあです。先週末は久しぶりに映画を見ました。",
            "駅前の定食屋さんです。安くておいしいんですよ。",
            "最近は朝に少し散歩するようにしています。",
        ),
        "casual": (
            "こっちは相変わらずバタバタしてるよ。",
            "まあまあかな。先週末は久しぶりに映画を見たよ。",
            "駅前の定食屋さんだよ。安くておいしいんだ。",
            "最近は朝に少し散歩するようにしてるんだ。",
        ),
        "en": (
            "Same as ever, pretty hectic.",
            "Not bad. I finally saw a film last weekend.",
            "The set-meal place by the station. Cheap and good.",
            "I've started taking a short walk in the mornings.",
        ),
    },
    "statement": {
        "polite": (
            "そうなんですね。",
            "なるほど、そういう事情でしたか。",
            "話してくれてありがとうございます。",
            "状況が少し見えてきました。",
            "なるほど、よくわかりました。",
        ),
        "casual": (
            "そうなんだ。",
            "なるほど、そういう事情だったんだね。",
            "話してくれてありがとう。",
            "状況が少し見えてきたよ。",
            "なるほど、よくわかった。",
        ),
        "en": (
            "I see.",
            "Ah, so that's the background.",
            "Thanks for telling me.",
            "I'm getting a clearer picture.",
            "Right, that makes sense.",
        ),
    },
    "statement.hostile": {
        "casual": (
            "だから何だって言うんだ。",
            "そんな話は聞いてないんだよ。",
            "お前じゃ話にならないな。",
            "いいから、どうするのか言えよ。",
        ),
        "polite": (
            "そういう説明が聞きたいわけではありません。",
            "話になりませんね。",
            "そちらの説明不足ではないですか。",
            "それで、どうしていただけるんですか。",
        ),
        "en": (
            "So what?",
            "That's not what I asked about.",
            "You're getting nowhere with me.",
            "Just tell me what you're going to do.",
        ),
    },
    "greeting": {
        "polite": ("お疲れさまです。", "どうも、お疲れさまです。", "こんにちは。"),
        "casual": ("お疲れ！", "おっ、お疲れさま。", "やあ、こんにちは。"),
        "en": ("Hi there.", "Hello!", "Oh, hi."),
    },
    "smalltalk": {
        "polite": (
            "最近は忙しい日が続いていますね。",
            "この時期は何かと慌ただしいですね。",
            "そういう話は楽しいですね。",
            "今日は少し冷えますね。",
        ),
        "casual": (
            "最近は忙しい日が続いてるね。",
            "この時期は何かと慌ただしいね。",
            "そういう話、楽しいね。",
            "今日は少し冷えるね。",
        ),
        "en": (
            "It's been busy lately, hasn't it?",
            "This time of year is always hectic.",
            "I enjoy hearing that kind of thing.",
            "It's a bit chilly today.",
        ),
    },
    "unclear": {
        "polite": (
            "すみません、今のはちょっとよくわかりませんでした。",
            "ええと、何のお話でしょうか。",
            "今の話と、さっきの件は関係がありますか？",
            "ごめんなさい、もう少しわかりやすく言ってもらえますか？",
            "うーん、どういう意味でしょうか。",
        ),
        "casual": (
            "ごめん、今のはちょっとよくわからなかった。",
            "ええと、何の話？",
            "今の話って、さっきの件と関係ある？",
            "もう少しわかりやすく言ってくれる？",
            "うーん、どういう意味？",
        ),
        "en": (
            "Sorry, I didn't quite follow that.",
            "Um, what do you mean?",
            "Is that related to what we were talking about?",
            "Could you put that more simply?",
            "Hmm, I'm not sure what you're getting at.",
        ),
    },
    "not_japanese": {
        "polite": ("すみません、日本語で話してもらえますか？", "ええと、日本語でお願いできますか？"),
        "casual": ("ごめん、日本語で話してくれる？", "ええと、日本語でお願いできる？"),
        "en": ("Sorry, could we talk in English?", "Um, could you say that in English?"),
    },
    # --- a boundary ("やめていただけますか") ---------------------------------------------------
    "boundary.brush_off": {
        "polite": ("そんなつもりはなかったんですが……冗談のつもりでした。", "そこまで気にすることでしょうか。"),
        "casual": (
            "えー、そんなつもりじゃなかったんだけど。冗談だよ、冗談。",
            "みんな笑ってたし、そこまで気にしなくていいんじゃない？",
        ),
        "en": (
            "Come on, I didn't mean it like that. It was just a joke.",
            "Everyone was laughing. Is it really a big deal?",
        ),
    },
    "boundary.accept": {
        "polite": (
            "……そうでしたか。嫌な思いをさせてしまって、すみませんでした。",
            "わかりました。今後は言わないようにします。",
        ),
        "casual": ("……そっか、嫌な思いをさせてたんだね。ごめん。", "わかった。もう言わないよ。"),
        "en": ("…I see. I'm sorry I made you feel that way.", "All right. I won't say it again."),
    },
    "boundary.accepted": {
        "polite": ("はい、もう言いません。", "本当に申し訳なかったです。", "気をつけます。約束します。"),
        "casual": ("うん、もう言わない。", "本当に悪かったよ。", "ちゃんと気をつける。約束するよ。"),
        "en": ("Yes, I won't say it again.", "I really am sorry.", "I'll be careful. I promise."),
    },
    "boundary.hostile": {
        "polite": ("……わかりました。", "……では、どうしていただけるんですか。"),
        "casual": ("……わかったよ。", "……じゃあ、どうしてくれるんだ。"),
        "en": ("…Fine.", "…Then what are you going to do about it?"),
    },
    # --- the partner's own next move (a question, asked once) ----------------------------------
    "ask.cause.lead": {
        "polite": ("原因はどこにあったんですか？",),
        "casual": ("原因はどこにあったの？",),
        "en": ("What caused it?",),
    },
    "ask.date.lead": {
        "polite": ("それで、いつまでならできそうですか？",),
        "casual": ("それで、いつならできそう？",),
        "en": ("So when can you have it done?",),
    },
    "ask.plan.lead": {
        "polite": ("具体的には、これからどう対応しますか？",),
        "casual": ("具体的には、これからどうする？",),
        "en": ("What exactly will you do next?",),
    },
    "ask.need.lead": {
        "polite": ("私に判断してほしいことはありますか？",),
        "casual": ("私に決めてほしいことはある？",),
        "en": ("Is there anything you need me to decide?",),
    },
    "ask.prevent.lead": {
        "polite": ("次に同じことが起きないよう、何ができそうですか？",),
        "casual": ("次に同じことが起きないように、何ができそう？",),
        "en": ("What would stop this happening again?",),
    },
    "ask.cause.customer": {
        "polite": ("どうしてこうなったのか、説明していただけますか？",),
        "casual": ("なんでこうなったんだ？",),
        "en": ("Can you explain how this happened?",),
    },
    "ask.date.customer": {
        "polite": ("いつまでに対応していただけますか？",),
        "casual": ("で、いつまでに何とかするんだ？",),
        "en": ("By when will you sort it out?",),
    },
    "ask.plan.customer": {
        "polite": ("具体的に、どう対応していただけるんですか？",),
        "casual": ("具体的にどうするのか言ってくれ。",),
        "en": ("What exactly are you going to do?",),
    },
    "ask.prevent.customer": {
        "polite": ("二度と起きないと言い切れますか？",),
        "casual": ("また同じことが起きないって言えるのか？",),
        "en": ("Can you promise it won't happen again?",),
    },
    "ask.reason.lead": {
        "polite": ("どうしてそうしたいのか、理由を聞かせてもらえますか？",),
        "casual": ("どうしてそうしたいのか、理由を聞かせて。",),
        "en": ("Can you tell me why you want that?",),
    },
    "ask.more": {
        "polite": (
            "もう少し詳しく聞かせてもらえますか？",
            "あなたはどうしたいと考えていますか？",
            "ほかに気になっていることはありますか？",
        ),
        "casual": ("もう少し詳しく聞かせて？", "あなたはどうしたいと思ってる？", "ほかに気になってることはある？"),
        "en": ("Could you tell me a bit more?", "What would you like to do?", "Is anything else bothering you?"),
    },
    "ask.follow": {
        "polite": (
            "どうすればいいと思いますか？",
            "次は何から始めればいいですか？",
            "このことは、ほかの人にも伝わりますか？",
        ),
        "casual": ("どうすればいいと思う？", "次は何から始めればいい？", "このこと、ほかの人にも伝わるのかな？"),
        "en": ("What do you think I should do?", "Where should I start?", "Will other people hear about this?"),
    },
    "ask.smalltalk": {
        "polite": (
            "最近、何かはまっていることはありますか？",
            "お昼はいつもどうしていますか？",
            "週末は何をして過ごすことが多いですか？",
        ),
        "casual": ("最近、何かはまってることある？", "お昼はいつもどうしてる？", "週末は何してることが多い？"),
        "en": (
            "Are you into anything these days?",
            "What do you usually do for lunch?",
            "What do you tend to do at the weekend?",
        ),
    },
    # --- winding the conversation down ----------------------------------------------------------
    "closing.lead": {
        "polite": (
            "わかりました。では、その方向で進めてください。",
            "今日は話してくれてありがとう。何かあればまた相談してください。",
            "了解です。進み具合はまた教えてください。",
            "では、この件はいったんこれで大丈夫です。",
        ),
        "casual": (
            "わかった。じゃあ、その方向で進めて。",
            "話してくれてありがとう。何かあったらまた相談して。",
            "了解。進み具合はまた教えてね。",
            "じゃあ、この件はいったんこれで大丈夫。",
        ),
        "en": (
            "All right. Go ahead on that basis.",
            "Thanks for talking to me. Come back if anything comes up.",
            "Got it. Keep me posted on how it goes.",
            "Then I think we're done on this for now.",
        ),
    },
    "closing.customer": {
        "polite": (
            "わかりました。では、その対応でお願いします。",
            "今回はそれで了承します。",
            "次はこのようなことがないようにお願いします。",
            "では、連絡をお待ちしています。",
        ),
        "casual": (
            "……わかった。それでいい。",
            "今回はそれで勘弁してやる。",
            "次はないからな。",
            "じゃあ、連絡を待ってる。",
        ),
        "en": (
            "All right. Please go ahead with that.",
            "I'll accept that this time.",
            "Please make sure this doesn't happen again.",
            "Then I'll wait to hear from you.",
        ),
    },
    "closing.follow": {
        "polite": (
            "今日はありがとうございました。",
            "話せてよかったです。",
            "はい、また相談させてください。",
            "少し気持ちが軽くなりました。",
        ),
        "casual": ("今日はありがとう。", "話せてよかった。", "うん、また相談させて。", "少し気持ちが軽くなったよ。"),
        "en": (
            "Thank you for today.",
            "I'm glad we talked.",
            "Yes, I'll come to you again.",
            "I feel a bit lighter now.",
        ),
    },
    "closing.peer": {
        "polite": (
            "じゃあ、その感じで進めましょう。",
            "話せてよかったです。",
            "また何かあれば声をかけてください。",
            "では、また後ほど。",
        ),
        "casual": (
            "じゃあ、その感じで進めよう。",
            "話せてよかった。",
            "また何かあったら声かけて。",
            "じゃあ、またあとで。",
        ),
        "en": (
            "Let's go with that, then.",
            "Good talking to you.",
            "Give me a shout if anything comes up.",
            "See you later.",
        ),
    },
    "closing.date": {
        "polite": ("では、{date}を待っています。",),
        "casual": ("じゃあ、{date}を待ってるね。",),
        "en": ("Good. I'll hold you to {date}.",),
    },
}
