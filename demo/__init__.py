"""The end-to-end demo: emulator, a real Home Assistant process, and a Pi satellite on a WAV mic."""
