"""The Voice Live Pi satellite: a mic and a speaker that talk to Azure AI Voice Live.

It listens locally for a wake word, then streams the microphone as Voice Live client events and
plays the reply as it arrives; either through Home Assistant (paired mode: HA connects to the
satellite's WebSocket server) or straight to Azure or the emulator (standalone mode).
"""

__version__ = "0.1.0"
