import factory

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message, Mode, Role, Status


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    user = factory.SubFactory(UserFactory)
    mode = Mode.CHAT
    title = "同僚・休憩中"
    metadata = factory.LazyFunction(lambda: {"partner": "同僚", "situation": "休憩中", "language": "ja"})


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Role.USER
    content = "お疲れさまです。"
    status = Status.COMPLETE
