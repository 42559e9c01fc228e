"""Putting the satellite together from its options: audio, wake word, transport, discovery."""

from __future__ import annotations

import asyncio
import logging
import math
import socket

from . import __version__
from .audio.backend import AudioBackend
from .audio.capture import MicConverter
from .audio.pyaudio_backend import PyAudioBackend
from .audio.wav_backend import WavBackend
from .conversation import follow_up_ms
from .options import Options
from .satellite import Satellite
from .settings import AudioSettings
from .state import StoredState, default_state_dir, load_or_create
from .transport.base import Connector
from .transport.direct import DirectConnector
from .transport.discovery import Advertiser
from .transport.link_server import Identity, LinkServer
from .wakeword import MODEL_RATE, make_detector

_LOGGER = logging.getLogger(__name__)


def announce_key(state: StoredState, name: str) -> None:
    """Print a new pairing key, once, where the user (or journalctl) will see it."""
    print(
        f"\nNew pairing key for {name!r}: {state.pairing_key}\n"
        "Enter it in Home Assistant when you add this satellite. It is stored in the state "
        "directory and will not be printed again.\n",
        flush=True,
    )


class SatelliteApp:
    """A running satellite: start, (optionally) wait for a WAV run to finish, stop."""

    def __init__(
        self,
        options: Options,
        *,
        backend: AudioBackend | None = None,
        zeroconf_interfaces: list[str] | None = None,
        zeroconf_addresses: list[str] | None = None,
    ) -> None:
        self.options = options
        self.audio = AudioSettings.build(
            input_format=options.input_format,
            input_rate=options.input_rate,
            noise_reduction=options.noise_reduction,
            echo_cancellation=options.echo_cancellation,
        )
        self.backend: AudioBackend = backend or self._make_backend()
        self.link: LinkServer | None = None
        self.advertiser: Advertiser | None = None
        self.stored: StoredState | None = None
        self._zc_interfaces = zeroconf_interfaces
        self._zc_addresses = zeroconf_addresses
        self._mic_task: asyncio.Task[None] | None = None
        self.connector: Connector = self._make_connector()
        detector = make_detector(options.wake_word, rate=MODEL_RATE)
        converter = MicConverter(
            device_rate=self.backend.mic_rate,
            channels=self.backend.mic_channels,
            rate=self.audio.capture_rate,
        )
        self.satellite = Satellite(
            connector=self.connector,
            audio=self.audio,
            playback=self.backend.playback,
            converter=converter,
            detector=detector,
            follow_up_seconds=options.follow_up_seconds,
            chimes_on=options.chimes,
        )

    def _make_backend(self) -> AudioBackend:
        opts = self.options
        if opts.uses_wav:
            return WavBackend(
                opts.mic_wav,
                opts.speaker_wav,
                speaker_rate=opts.speaker_rate or 24000,
                speed=opts.speed,
                mic_rate=opts.mic_rate,
                lead_in_ms=opts.lead_in_ms,
            )
        import pyaudio

        from .audio.devices import find_device, list_devices

        pa = pyaudio.PyAudio()
        try:
            devices = list_devices(pa)
        finally:
            pa.terminate()
        return PyAudioBackend(
            input_device=find_device(devices, opts.device, output=False),
            output_device=find_device(devices, opts.output_device, output=True),
            mic_rate=opts.mic_rate,
            mic_channels=opts.mic_channels,
            speaker_rate=opts.speaker_rate or 48000,
            speaker_channels=opts.speaker_channels,
        )

    def _make_connector(self) -> Connector:
        opts = self.options
        if opts.endpoint is not None:
            return DirectConnector(
                opts.endpoint, api_key=opts.api_key, model=opts.model, api_version=opts.api_version
            )
        self.stored = load_or_create(
            opts.state_dir or default_state_dir(), reset_key=opts.reset_pairing_key
        )
        identity = Identity(
            satellite_id=self.stored.satellite_id, name=opts.name, version=__version__
        )
        self.link = LinkServer(
            key=self.stored.pairing_key,
            identity=identity,
            audio=self.audio,
            wake_word=opts.wake_word,
            host=opts.host,
            port=opts.port,
        )
        return self.link

    async def start(self) -> None:
        """Bring everything up: the link server and advertisement (paired), then audio.

        If a part fails to start (a busy port, a missing device), what did start is stopped.
        """
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        if self.stored is not None and self.stored.key_is_new:
            announce_key(self.stored, self.options.name)
        if self.link is not None:
            await self.link.start()
            if self.options.zeroconf:
                self.advertiser = Advertiser(
                    self.link.identity,
                    self.link.port,
                    addresses=self._zc_addresses,
                    interfaces=self._zc_interfaces,
                )
                await self.advertiser.start()
        await self.satellite.start()
        if self.options.mic_after_link and self.link is not None:
            self._mic_task = asyncio.create_task(self._start_mic_when_linked(self.link))
        else:
            await self.backend.start(self.satellite.on_mic)
        mode = f"standalone ({self.options.endpoint})" if self.options.standalone else "paired"
        _LOGGER.info("satellite %r running in %s mode on %s", self.options.name, mode, _host())

    async def _start_mic_when_linked(self, link: LinkServer) -> None:
        await link.paired.wait()
        _LOGGER.info("Home Assistant linked: starting the microphone")
        await self.backend.start(self.satellite.on_mic)

    async def wait_wav_done(self) -> None:
        """With a mic WAV: return once the file has ended and the satellite is idle and quiet."""
        backend = self.backend
        if not isinstance(backend, WavBackend):
            raise TypeError("only a WAV run ends by itself")
        await backend.mic_finished.wait()
        satellite = self.satellite
        if math.isinf(satellite.follow_up_ms):
            # Always listening: let the session end after the usual follow-up window.
            window = follow_up_ms(self.options.follow_up_seconds)
            satellite.follow_up_ms = window
            if satellite.conversation is not None:
                satellite.conversation.follow_up_ms = window
        satellite.accept_wakes = False
        await satellite.idle.wait()
        while backend.playback.pending_bytes:  # noqa: ASYNC110 - the audio thread drains it
            await asyncio.sleep(backend.tick_ms / 1000.0 / max(1.0, min(backend.speed, 50.0)))

    async def stop(self) -> None:
        """Stop audio first (nothing more is heard), then conversations, link and discovery."""
        if self._mic_task is not None:
            self._mic_task.cancel()
            await asyncio.gather(self._mic_task, return_exceptions=True)
            self._mic_task = None
        await self.backend.stop()
        await self.satellite.stop()
        if self.advertiser is not None:
            await self.advertiser.stop()
        if self.link is not None:
            await self.link.stop()
        if isinstance(self.connector, DirectConnector):
            await self.connector.aclose()


def _host() -> str:
    return socket.gethostname()
