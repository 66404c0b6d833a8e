import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from llm.config import llm_settings_from_env


def test_it_reads_keys_timeouts_and_per_purpose_model_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    monkeypatch.setenv("LLM_FIRST_TOKEN_TIMEOUT", "4.5")
    monkeypatch.setenv("LLM_GEMINI_MODEL", "gemini-2.5-flash-lite")
    monkeypatch.setenv("LLM_JUDGE_MODEL", "gemini/gemini-2.5-pro, openai/gpt-4o")
    llm = llm_settings_from_env(environ.Env())
    assert llm["GEMINI_API_KEY"] == "g-key" and llm["FIRST_TOKEN_TIMEOUT"] == 4.5
    assert llm["PURPOSES"]["chat_partner"]["models"]["gemini"] == "gemini-2.5-flash-lite"
    assert llm["PURPOSES"]["judge"]["models"] == {
        **llm["PURPOSES"]["chat_partner"]["models"],
        "gemini": "gemini-2.5-pro",
        "openai": "gpt-4o",
    }
    assert llm["PURPOSES"]["judge"]["temperature"] < llm["PURPOSES"]["chat_partner"]["temperature"]


def test_a_malformed_model_override_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_CHAT_PARTNER_MODEL", "anthropic/claude")
    with pytest.raises(ImproperlyConfigured, match="LLM_CHAT_PARTNER_MODEL"):
        llm_settings_from_env(environ.Env())
