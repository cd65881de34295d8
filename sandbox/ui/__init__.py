"""The window (Qt). Thin: shows state and sends commands; the engine and session compute."""
