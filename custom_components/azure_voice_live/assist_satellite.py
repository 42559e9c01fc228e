"""The satellite as an `assist_satellite` entity: idle, listening, processing, responding.

A Voice Live satellite does not run an Assist pipeline (no separate STT, agent and TTS: the
service speaks), but `assist_satellite` is still the closest fit in HA 2025.4: its states are
exactly the four we report, and its `announce` and `start_conversation` actions are what users
script. Both actions are served by Voice Live itself (the agent's voice reads the message), so the
pipeline-based TTS resolution of the base class is bypassed.
"""

from __future__ import annotations

from homeassistant.components.assist_pipeline import PipelineEvent
from homeassistant.components.assist_satellite import (
    AssistSatelliteAnnouncement,
    AssistSatelliteConfiguration,
    AssistSatelliteEntity,
    AssistSatelliteEntityFeature,
    AssistSatelliteWakeWord,
)
from homeassistant.components.assist_satellite.entity import AssistSatelliteState
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import KIND_SATELLITE, entry_kind
from .satellite import SatelliteRuntime
from .satellite_entity import SatelliteEntity
from .voicelive import VoiceLiveError

#: The wake word models that the satellite ships (pymicro-wakeword's built-in ones).
WAKE_WORDS = {
    "okay_nabu": "Okay Nabu",
    "hey_jarvis": "Hey Jarvis",
    "alexa": "Alexa",
    "hey_mycroft": "Hey Mycroft",
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[SatelliteRuntime],
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the satellite entity of a satellite entry."""
    if entry_kind(entry) == KIND_SATELLITE:
        async_add_entities([VoiceLiveSatelliteEntity(entry)])


class VoiceLiveSatelliteEntity(SatelliteEntity, AssistSatelliteEntity):
    """A Pi satellite that talks to Voice Live through the bridge."""

    _attr_name = None
    _attr_supported_features = (
        AssistSatelliteEntityFeature.ANNOUNCE | AssistSatelliteEntityFeature.START_CONVERSATION
    )

    def __init__(self, entry: ConfigEntry[SatelliteRuntime]) -> None:
        """Bind to the satellite's runtime."""
        super().__init__(entry, "satellite")

    def on_pipeline_event(self, event: PipelineEvent) -> None:
        """No Assist pipeline runs on this satellite: Voice Live is speech to speech."""

    @callback
    def _async_updated(self, *_: object) -> None:
        status = self.runtime.status
        self._attr_extra_state_attributes = {
            "last_transcript": status.last_transcript,
            "last_reply": status.last_reply,
            "last_tool_call": status.last_tool_call,
        }
        target = AssistSatelliteState(status.state.value)
        if self.state != target:
            self._set_state(target)  # writes the state
        else:
            self.async_write_ha_state()

    def async_get_configuration(self) -> AssistSatelliteConfiguration:
        """The satellite's wake word (it runs one model at a time)."""
        info = self.runtime.status.info
        active = [info.ready.wake_word] if info and info.ready.wake_word in WAKE_WORDS else []
        return AssistSatelliteConfiguration(
            available_wake_words=[
                AssistSatelliteWakeWord(id=key, wake_word=name, trained_languages=["en"])
                for key, name in WAKE_WORDS.items()
            ],
            active_wake_words=active,
            max_active_wake_words=1,
        )

    async def async_set_configuration(self, config: AssistSatelliteConfiguration) -> None:
        """The wake word is chosen on the satellite (`--wake-word`), not from HA yet."""
        raise HomeAssistantError(
            "Change the wake word on the satellite with --wake-word; "
            "the link protocol has no message for it yet"
        )

    async def async_internal_announce(
        self,
        message: str | None = None,
        media_id: str | None = None,
        preannounce: bool = True,
        preannounce_media_id: str | None = None,
    ) -> None:
        """Speak `message` on the satellite in the agent's Voice Live voice."""
        await self._speak(message, media_id)

    async def async_internal_start_conversation(
        self,
        start_message: str | None = None,
        start_media_id: str | None = None,
        extra_system_prompt: str | None = None,
        preannounce: bool = True,
        preannounce_media_id: str | None = None,
    ) -> None:
        """Speak `start_message`, then listen for the answer as after a reply."""
        await self._speak(start_message, start_media_id, listen=True)

    async def _speak(self, message: str | None, media_id: str | None, listen: bool = False) -> None:
        if media_id:
            raise HomeAssistantError("A Voice Live satellite speaks text; media_id is not played")
        if not message:
            raise HomeAssistantError("Give the message to speak")
        try:
            await self.runtime.async_announce(message, listen=listen)
        except (VoiceLiveError, TimeoutError) as err:
            raise HomeAssistantError(f"The satellite could not speak: {err}") from err

    async def async_announce(self, announcement: AssistSatelliteAnnouncement) -> None:
        """Not reached: `async_internal_announce` speaks through Voice Live directly."""
        await self._speak(announcement.message, None)
